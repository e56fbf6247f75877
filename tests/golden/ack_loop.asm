function %ack:
  0: test edi,edi
  3: jne short 0xB
  5: lea eax,[rsi+1]
  a: ret
  b: push rbp
  c: mov rbp,rsp
  f: mov r11,[r14]
  12: cmp rsp,[r11]
  15: jb 0x55
  1b: sub rsp,0x10
  1f: mov [rbp-0x10],rbx
  23: mov rbx,rdi
  26: test esi,esi
  29: jne short 0x33
  2b: mov esi,1
  31: jmp short 0x41
  33: add esi,0xFFFFFFFF
  37: mov rdi,rbx
  3a: call qword ptr [r14+0x78]
  3e: mov rsi,rax
  41: add ebx,0xFFFFFFFF
  45: jne short 0x26
  47: lea eax,[rsi+1]
  4c: mov rbx,[rbp-0x10]
  50: mov rsp,rbp
  53: pop rbp
  54: ret
  55: ud2

