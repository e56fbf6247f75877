function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x63
  12: sub rsp,0x18
  16: cmp edi,2
  1a: jge 0x28
  20: mov rax,rdi
  23: mov rsp,rbp
  26: pop rbp
  27: ret
  28: mov [rbp-0x10],rbx
  2c: mov [rbp-0x18],r12
  30: xor eax,eax
  33: mov rbx,rax
  36: mov r12,rdi
  39: lea edi,[r12-1]
  3e: call qword ptr [r14+0x78]
  42: add ebx,eax
  45: lea eax,[r12-2]
  4a: cmp r12d,3
  4e: mov r12,rax
  51: ja short 0x39
  53: add eax,ebx
  56: mov rbx,[rbp-0x10]
  5a: mov r12,[rbp-0x18]
  5e: mov rsp,rbp
  61: pop rbp
  62: ret
  63: ud2

