function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x7A
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
  39: jmp short 0x50
  3b: nop [rax+rax]
  44: nop [rax+rax]
  4d: nop [rax]
  50: lea edi,[r12-1]
  55: call qword ptr [r14+0x78]
  59: add ebx,eax
  5c: lea eax,[r12-2]
  61: cmp r12d,3
  65: mov r12,rax
  68: ja short 0x50
  6a: add eax,ebx
  6d: mov rbx,[rbp-0x10]
  71: mov r12,[rbp-0x18]
  75: mov rsp,rbp
  78: pop rbp
  79: ret
  7a: ud2

