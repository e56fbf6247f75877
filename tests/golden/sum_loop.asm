function %sum:
  0: xor eax,eax
  3: xor ecx,ecx
  6: jmp short 0x10
  8: nop [rax+rax]
  10: cmp ecx,edi
  13: jae short 0x2A
  15: mov rdx,rcx
  18: shl edx,2
  1c: add eax,[r15+rdx+0x400]
  24: add ecx,1
  28: jmp short 0x10
  2a: ret

