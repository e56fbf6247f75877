; %caller (137 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-0x28]
  15: cmp r10,[r11]
  18: jb 0x87
  1e: sub rsp,0x28
  25: mov [rbp-0x20],rdi
  2c: mov r10,[rbp-0x20]
  33: lea rsi,[r10+1]
  3b: mov r10,[rbp-0x20]
  42: mov rdx,r10
  45: mov rcx,rsi
  48: mov r10,[rbp-0x20]
  4f: mov r8,r10
  52: mov r9,rsi
  55: mov r10,[rbp-0x20]
  5c: mov [rsp],r10
  64: mov [rsp+8],rsi
  6c: mov rdi,[rbp-0x20]
  73: call qword ptr [r14+0x10]
  7a: add rax,[rbp-0x20]
  82: mov rsp,rbp
  85: pop rbp
  86: ret
  87: ud2
; trap at 87: StackOverflow
