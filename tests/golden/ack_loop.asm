function %ack:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x86
  12: sub rsp,8
  16: mov [rbp-0x10],rbx
  1a: test edi,edi
  1d: je 0x78
  23: mov rbx,rdi
  26: jmp short 0x50
  28: nop [rax+rax]
  31: nop [rax+rax]
  3a: nop [rax+rax]
  43: nop [rax+rax]
  4c: nop [rax]
  50: test esi,esi
  53: jne 0x64
  59: mov esi,1
  5f: jmp 0x72
  64: add esi,0xFFFFFFFF
  68: mov rdi,rbx
  6b: call qword ptr [r14+0x78]
  6f: mov rsi,rax
  72: add ebx,0xFFFFFFFF
  76: jne short 0x50
  78: lea eax,[rsi+1]
  7d: mov rbx,[rbp-0x10]
  81: mov rsp,rbp
  84: pop rbp
  85: ret
  86: ud2

