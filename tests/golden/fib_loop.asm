function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-0x18]
  e: cmp r10,[r11]
  11: jb 0x6A
  17: sub rsp,0x18
  1b: cmp edi,2
  1f: jge 0x2D
  25: mov rax,rdi
  28: mov rsp,rbp
  2b: pop rbp
  2c: ret
  2d: mov [rbp-0x10],rbx
  31: mov [rbp-0x18],r12
  35: xor eax,eax
  38: mov rbx,rax
  3b: mov r12,rdi
  3e: xchg ax,ax
  40: lea edi,[r12-1]
  45: call qword ptr [r14+0x78]
  49: add ebx,eax
  4c: lea eax,[r12-2]
  51: cmp r12d,3
  55: mov r12,rax
  58: ja short 0x40
  5a: add eax,ebx
  5d: mov rbx,[rbp-0x10]
  61: mov r12,[rbp-0x18]
  65: mov rsp,rbp
  68: pop rbp
  69: ret
  6a: ud2

