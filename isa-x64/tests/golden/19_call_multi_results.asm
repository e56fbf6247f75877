; %caller (81 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-0x28]
  e: cmp r10,[r11]
  11: jb 0x4F
  17: sub rsp,0x28
  1b: mov rsi,rdi
  1e: mov rdx,rdi
  21: mov rcx,rdi
  24: mov r8,rdi
  27: mov r9,rdi
  2a: mov [rsp],rdi
  2e: mov [rsp+8],rdi
  33: call qword ptr [r14+0x10]
  37: mov rcx,[rsp+0x10]
  3c: mov rsi,[rsp+0x18]
  41: add rax,rdx
  44: add rax,rcx
  47: add rax,rsi
  4a: mov rsp,rbp
  4d: pop rbp
  4e: ret
  4f: ud2
; trap at 4f: StackOverflow
