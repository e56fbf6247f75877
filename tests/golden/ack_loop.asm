function %ack:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x76
  12: sub rsp,8
  16: mov [rbp-0x10],rbx
  1a: test edi,edi
  1d: je 0x68
  23: mov rbx,rdi
  26: jmp short 0x40
  28: nop [rax+rax]
  31: nop [rax+rax]
  3a: nop [rax+rax]
  40: test esi,esi
  43: jne 0x54
  49: mov esi,1
  4f: jmp 0x62
  54: add esi,0xFFFFFFFF
  58: mov rdi,rbx
  5b: call qword ptr [r14+0x78]
  5f: mov rsi,rax
  62: add ebx,0xFFFFFFFF
  66: jne short 0x40
  68: lea eax,[rsi+1]
  6d: mov rbx,[rbp-0x10]
  71: mov rsp,rbp
  74: pop rbp
  75: ret
  76: ud2

