function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-0x18]
  15: cmp r10,[r11]
  18: jb 0xC8
  1e: sub rsp,0x18
  25: mov [rbp-0x10],rbx
  2c: mov [rbp-0x18],r12
  33: cmp edi,2
  3a: jge 0x56
  40: mov rax,rdi
  43: mov rbx,[rbp-0x10]
  4a: mov r12,[rbp-0x18]
  51: mov rsp,rbp
  54: pop rbp
  55: ret
  56: xor eax,eax
  59: mov rbx,rax
  5c: mov r12,rdi
  5f: nop [rax+rax]
  68: nop [rax+rax]
  71: nop [rax+rax]
  7a: nop [rax+rax]
  80: lea edi,[r12-1]
  88: call qword ptr [r14+0x78]
  8f: add eax,ebx
  92: lea ecx,[r12-2]
  9a: cmp r12d,3
  a1: jbe 0xB2
  a7: mov rbx,rax
  aa: mov r12,rcx
  ad: jmp 0x80
  b2: add eax,ecx
  b5: mov rbx,[rbp-0x10]
  bc: mov r12,[rbp-0x18]
  c3: mov rsp,rbp
  c6: pop rbp
  c7: ret
  c8: ud2

