; %caller (76 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x4A
  12: sub rsp,0x18
  16: mov [rbp-0x10],rbx
  1a: mov rbx,rdi
  1d: lea rsi,[rbx+1]
  22: mov rdx,rbx
  25: mov rcx,rsi
  28: mov r8,rbx
  2b: mov r9,rsi
  2e: mov [rsp],rbx
  32: mov [rsp+8],rsi
  37: mov rdi,rbx
  3a: call qword ptr [r14+0x10]
  3e: add rax,rbx
  41: mov rbx,[rbp-0x10]
  45: mov rsp,rbp
  48: pop rbp
  49: ret
  4a: ud2
; trap at 4a: StackOverflow
