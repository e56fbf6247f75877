; %caller (110 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-0x18]
  15: cmp r10,[r11]
  18: jb 0x6C
  1e: sub rsp,0x18
  25: mov [rbp-0x10],rbx
  2c: mov rbx,rdi
  2f: lea rsi,[rbx+1]
  37: mov rdx,rbx
  3a: mov rcx,rsi
  3d: mov r8,rbx
  40: mov r9,rsi
  43: mov [rsp],rbx
  4b: mov [rsp+8],rsi
  53: mov rdi,rbx
  56: call qword ptr [r14+0x10]
  5d: add rax,rbx
  60: mov rbx,[rbp-0x10]
  67: mov rsp,rbp
  6a: pop rbp
  6b: ret
  6c: ud2
; trap at 6c: StackOverflow
