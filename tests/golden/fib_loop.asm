function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-0x28]
  15: cmp r10,[r11]
  18: jb 0x91
  1e: sub rsp,0x28
  25: cmp edi,2
  2c: jge 0x3A
  32: mov rax,rdi
  35: mov rsp,rbp
  38: pop rbp
  39: ret
  3a: xor eax,eax
  3d: mov rcx,rdi
  40: lea edi,[rcx-1]
  48: mov [rbp-0x30],rax
  4f: mov [rbp-0x20],rcx
  56: call qword ptr [r14+0x78]
  5d: add eax,[rbp-0x30]
  65: mov rcx,[rbp-0x20]
  6c: lea edx,[rcx-2]
  74: cmp ecx,3
  7b: jbe 0x89
  81: mov rcx,rdx
  84: jmp 0x40
  89: add eax,edx
  8c: mov rsp,rbp
  8f: pop rbp
  90: ret
  91: ud2

