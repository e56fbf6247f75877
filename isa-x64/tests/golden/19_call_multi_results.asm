; %caller (76 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x4A
  12: sub rsp,0x28
  16: mov rsi,rdi
  19: mov rdx,rdi
  1c: mov rcx,rdi
  1f: mov r8,rdi
  22: mov r9,rdi
  25: mov [rsp],rdi
  29: mov [rsp+8],rdi
  2e: call qword ptr [r14+0x10]
  32: mov rcx,[rsp+0x10]
  37: mov rsi,[rsp+0x18]
  3c: add rax,rdx
  3f: add rax,rcx
  42: add rax,rsi
  45: mov rsp,rbp
  48: pop rbp
  49: ret
  4a: ud2
; trap at 4a: StackOverflow
