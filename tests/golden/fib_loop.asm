function %fib:
  0: cmp edi,2
  4: jge 0xE
  a: mov rax,rdi
  d: ret
  e: push rbp
  f: mov rbp,rsp
  12: mov r11,[r14]
  15: cmp rsp,[r11]
  18: jb 0x5A
  1e: sub rsp,0x20
  22: mov [rbp-0x10],rbx
  26: mov [rbp-0x18],r12
  2a: xor ebx,ebx
  2d: mov r12,rdi
  30: lea edi,[r12-1]
  35: call qword ptr [r14+0x78]
  39: add ebx,eax
  3c: lea eax,[r12-2]
  41: cmp r12d,3
  45: mov r12,rax
  48: ja short 0x30
  4a: add eax,ebx
  4d: mov rbx,[rbp-0x10]
  51: mov r12,[rbp-0x18]
  55: mov rsp,rbp
  58: pop rbp
  59: ret
  5a: ud2

