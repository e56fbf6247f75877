function %sum:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x66
  12: sub rsp,8
  16: xor eax,eax
  19: mov rcx,rax
  1c: jmp short 0x40
  1e: nop [rax+rax]
  27: nop [rax+rax]
  30: nop [rax+rax]
  39: nop [rax]
  40: cmp eax,edi
  43: jae 0x5E
  49: mov rdx,rax
  4c: shl edx,2
  50: add ecx,[r15+rdx+0x400]
  58: add eax,1
  5c: jmp short 0x40
  5e: mov rax,rcx
  61: mov rsp,rbp
  64: pop rbp
  65: ret
  66: ud2

