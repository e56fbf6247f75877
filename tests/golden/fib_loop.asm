function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x5E
  10: sub rsp,0x20
  14: cmp edi,2
  18: jge 0x26
  1e: mov rax,rdi
  21: mov rsp,rbp
  24: pop rbp
  25: ret
  26: mov [rbp-0x10],rbx
  2a: mov [rbp-0x18],r12
  2e: xor ebx,ebx
  31: mov r12,rdi
  34: lea edi,[r12-1]
  39: call qword ptr [r14+0x78]
  3d: add ebx,eax
  40: lea eax,[r12-2]
  45: cmp r12d,3
  49: mov r12,rax
  4c: ja short 0x34
  4e: add eax,ebx
  51: mov rbx,[rbp-0x10]
  55: mov r12,[rbp-0x18]
  59: mov rsp,rbp
  5c: pop rbp
  5d: ret
  5e: ud2

