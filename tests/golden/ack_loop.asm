function %ack:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x5A
  10: sub rsp,0x10
  14: mov [rbp-0x10],rbx
  18: test edi,edi
  1b: je 0x4C
  21: mov rbx,rdi
  24: test esi,esi
  27: jne 0x38
  2d: mov esi,1
  33: jmp 0x46
  38: add esi,0xFFFFFFFF
  3c: mov rdi,rbx
  3f: call qword ptr [r14+0x78]
  43: mov rsi,rax
  46: add ebx,0xFFFFFFFF
  4a: jne short 0x24
  4c: lea eax,[rsi+1]
  51: mov rbx,[rbp-0x10]
  55: mov rsp,rbp
  58: pop rbp
  59: ret
  5a: ud2

