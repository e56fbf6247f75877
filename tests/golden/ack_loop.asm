function %ack:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x5C
  12: sub rsp,8
  16: mov [rbp-0x10],rbx
  1a: test edi,edi
  1d: je 0x4E
  23: mov rbx,rdi
  26: test esi,esi
  29: jne 0x3A
  2f: mov esi,1
  35: jmp 0x48
  3a: add esi,0xFFFFFFFF
  3e: mov rdi,rbx
  41: call qword ptr [r14+0x78]
  45: mov rsi,rax
  48: add ebx,0xFFFFFFFF
  4c: jne short 0x26
  4e: lea eax,[rsi+1]
  53: mov rbx,[rbp-0x10]
  57: mov rsp,rbp
  5a: pop rbp
  5b: ret
  5c: ud2

