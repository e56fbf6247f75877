; %caller (107 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-0x28]
  15: cmp r10,[r11]
  18: jb 0x69
  1e: sub rsp,0x28
  25: mov rsi,rdi
  28: mov rdx,rdi
  2b: mov rcx,rdi
  2e: mov r8,rdi
  31: mov r9,rdi
  34: mov [rsp],rdi
  3c: mov [rsp+8],rdi
  44: call qword ptr [r14+0x10]
  4b: mov rcx,[rsp+0x10]
  53: mov rsi,[rsp+0x18]
  5b: add rax,rdx
  5e: add rax,rcx
  61: add rax,rsi
  64: mov rsp,rbp
  67: pop rbp
  68: ret
  69: ud2
; trap at 69: StackOverflow
