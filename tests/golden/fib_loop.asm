function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-0x18]
  e: cmp r10,[r11]
  11: jb 0xAA
  17: sub rsp,0x18
  1b: mov [rbp-0x10],rbx
  1f: mov [rbp-0x18],r12
  23: cmp edi,2
  27: jge 0x3D
  2d: mov rax,rdi
  30: mov rbx,[rbp-0x10]
  34: mov r12,[rbp-0x18]
  38: mov rsp,rbp
  3b: pop rbp
  3c: ret
  3d: xor eax,eax
  40: mov rbx,rax
  43: mov r12,rdi
  46: jmp short 0x80
  48: nop [rax+rax]
  51: nop [rax+rax]
  5a: nop [rax+rax]
  63: nop [rax+rax]
  6c: nop [rax+rax]
  75: nop [rax+rax]
  7e: xchg ax,ax
  80: lea edi,[r12-1]
  85: call qword ptr [r14+0x78]
  89: add ebx,eax
  8c: lea eax,[r12-2]
  91: cmp r12d,3
  95: mov r12,rax
  98: ja short 0x80
  9a: add eax,ebx
  9d: mov rbx,[rbp-0x10]
  a1: mov r12,[rbp-0x18]
  a5: mov rsp,rbp
  a8: pop rbp
  a9: ret
  aa: ud2

