function %fib:
  0: cmp edi,2
  4: jge short 0xA
  6: mov rax,rdi
  9: ret
  a: push rbp
  b: mov rbp,rsp
  e: mov r11,[r14]
  11: cmp rsp,[r11]
  14: jb 0x56
  1a: sub rsp,0x20
  1e: mov [rbp-0x10],rbx
  22: mov [rbp-0x18],r12
  26: xor ebx,ebx
  29: mov r12,rdi
  2c: lea edi,[r12-1]
  31: call qword ptr [r14+0x78]
  35: add ebx,eax
  38: lea eax,[r12-2]
  3d: cmp r12d,3
  41: mov r12,rax
  44: ja short 0x2C
  46: add eax,ebx
  49: mov rbx,[rbp-0x10]
  4d: mov r12,[rbp-0x18]
  51: mov rsp,rbp
  54: pop rbp
  55: ret
  56: ud2

