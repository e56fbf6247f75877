; %sum_to (38 bytes)
  0: xor eax,eax
  3: xor ecx,ecx
  6: jmp short 0x10
  8: nop [rax+rax]
  10: cmp eax,edi
  13: jge 0x22
  19: add ecx,eax
  1c: add eax,1
  20: jmp short 0x10
  22: mov rax,rcx
  25: ret
