; %sum_to (34 bytes)
  0: xor eax,eax
  3: xor ecx,ecx
  6: jmp short 0x10
  8: nop [rax+rax]
  10: cmp eax,edi
  13: jge short 0x1E
  15: add ecx,eax
  18: add eax,1
  1c: jmp short 0x10
  1e: mov rax,rcx
  21: ret
