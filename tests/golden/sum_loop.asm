function %sum:
  0: xor eax,eax
  3: xor ecx,ecx
  6: jmp short 0x10
  8: nop [rax+rax]
  10: cmp ecx,edi
  13: jae 0x2E
  19: mov rdx,rcx
  1c: shl edx,2
  20: add eax,[r15+rdx+0x400]
  28: add ecx,1
  2c: jmp short 0x10
  2e: ret

