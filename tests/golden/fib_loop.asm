function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-0x18]
  15: cmp r10,[r11]
  18: jb 0xC5
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
  8f: add ebx,eax
  92: lea eax,[r12-2]
  9a: cmp r12d,3
  a1: jbe 0xAF
  a7: mov r12,rax
  aa: jmp 0x80
  af: add eax,ebx
  b2: mov rbx,[rbp-0x10]
  b9: mov r12,[rbp-0x18]
  c0: mov rsp,rbp
  c3: pop rbp
  c4: ret
  c5: ud2

