function %crc:
  0: xor eax,eax
  3: xor ecx,ecx
  6: jmp short 0x10
  8: nop [rax+rax]
  10: cmp ecx,edi
  13: jae 0x3B
  19: movzx edx,byte ptr [r15+rcx+0x100]
  22: xor edx,eax
  25: movzx edx,dl
  29: shr eax,8
  2d: xor eax,[r15+rdx*4+0x400]
  35: add ecx,1
  39: jmp short 0x10
  3b: ret

