function %scan:
  0: xor eax,eax
  3: jmp short 0x10
  5: nop [rax+rax]
  e: xchg ax,ax
  10: movzx ecx,byte ptr [r15+rax+0x400]
  19: add eax,1
  1d: cmp ecx,edi
  20: jb short 0x10
  22: add eax,0xFFFFFFFF
  26: ret

