function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x60
  12: sub rsp,0x18
  16: cmp edi,2
  1a: jge 0x28
  20: mov rax,rdi
  23: mov rsp,rbp
  26: pop rbp
  27: ret
  28: mov [rbp-0x10],rbx
  2c: mov [rbp-0x18],r12
  30: xor ebx,ebx
  33: mov r12,rdi
  36: lea edi,[r12-1]
  3b: call qword ptr [r14+0x78]
  3f: add ebx,eax
  42: lea eax,[r12-2]
  47: cmp r12d,3
  4b: mov r12,rax
  4e: ja short 0x36
  50: add eax,ebx
  53: mov rbx,[rbp-0x10]
  57: mov r12,[rbp-0x18]
  5b: mov rsp,rbp
  5e: pop rbp
  5f: ret
  60: ud2

