; %caller (81 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-0x18]
  e: cmp r10,[r11]
  11: jb 0x4F
  17: sub rsp,0x18
  1b: mov [rbp-0x10],rbx
  1f: mov rbx,rdi
  22: lea rsi,[rbx+1]
  27: mov rdx,rbx
  2a: mov rcx,rsi
  2d: mov r8,rbx
  30: mov r9,rsi
  33: mov [rsp],rbx
  37: mov [rsp+8],rsi
  3c: mov rdi,rbx
  3f: call qword ptr [r14+0x10]
  43: add rax,rbx
  46: mov rbx,[rbp-0x10]
  4a: mov rsp,rbp
  4d: pop rbp
  4e: ret
  4f: ud2
; trap at 4f: StackOverflow
