function %ack:
  0: test edi,edi
  3: jne 0xF
  9: lea eax,[rsi+1]
  e: ret
  f: push rbp
  10: mov rbp,rsp
  13: mov r11,[r14]
  16: cmp rsp,[r11]
  19: jb 0x60
  1f: sub rsp,0x10
  23: mov [rbp-0x10],rbx
  27: mov rbx,rdi
  2a: test esi,esi
  2d: jne 0x3E
  33: mov esi,1
  39: jmp 0x4C
  3e: add esi,0xFFFFFFFF
  42: mov rdi,rbx
  45: call qword ptr [r14+0x78]
  49: mov rsi,rax
  4c: add ebx,0xFFFFFFFF
  50: jne short 0x2A
  52: lea eax,[rsi+1]
  57: mov rbx,[rbp-0x10]
  5b: mov rsp,rbp
  5e: pop rbp
  5f: ret
  60: ud2

