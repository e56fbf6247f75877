function %f0:
  0: xor eax,eax
  3: mov rcx,rax
  6: jmp short 0x10
  8: nop [rax+rax]
  10: movzx edx,byte ptr [r15+rax]
  15: cmp edx,0xFF
  1c: je 0x37
  22: cmp edx,1
  26: sbb ecx,0xFFFFFFFF
  2a: add eax,1
  2e: cmp eax,edi
  31: jb short 0x10
  33: mov rax,rcx
  36: ret
  37: mov eax,0xFFFFFFFF
  3d: ret

