function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-0x28]
  15: cmp r10,[r11]
  18: jb 0x93
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
  5d: mov rcx,[rbp-0x30]
  64: add eax,ecx
  67: mov rcx,[rbp-0x20]
  6e: lea edx,[rcx-2]
  76: cmp ecx,3
  7d: jbe 0x8B
  83: mov rcx,rdx
  86: jmp 0x40
  8b: add eax,edx
  8e: mov rsp,rbp
  91: pop rbp
  92: ret
  93: ud2

