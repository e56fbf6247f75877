function %fib:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x6A
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
  39: nop [rax]
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

