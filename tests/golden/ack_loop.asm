function %ack:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x79
  17: sub rsp,8
  1b: mov [rbp-0x10],rbx
  1f: test edi,edi
  22: je 0x6B
  28: mov rbx,rdi
  2b: jmp short 0x40
  2d: nop [rax+rax]
  36: nop [rax+rax]
  3f: nop
  40: test esi,esi
  43: jne 0x54
  49: mov esi,1
  4f: jmp 0x62
  54: add esi,0xFFFFFFFF
  58: mov rdi,rbx
  5b: call qword ptr [r14+0x78]
  5f: mov rsi,rax
  62: add ebx,0xFFFFFFFF
  66: test ebx,ebx
  69: jne short 0x40
  6b: lea eax,[rsi+1]
  70: mov rbx,[rbp-0x10]
  74: mov rsp,rbp
  77: pop rbp
  78: ret
  79: ud2

