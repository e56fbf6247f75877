function %crc:
  0: xor eax,eax
  3: xor ecx,ecx
  6: jmp short 0x10
  8: nop [rax+rax]
  10: cmp ecx,edi
  13: jae short 0x37
  15: movzx edx,byte ptr [r15+rcx+0x100]
  1e: xor edx,eax
  21: movzx edx,dl
  25: shr eax,8
  29: xor eax,[r15+rdx*4+0x400]
  31: add ecx,1
  35: jmp short 0x10
  37: ret

