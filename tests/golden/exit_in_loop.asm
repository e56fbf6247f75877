function %f0:
  0: xor eax,eax
  3: mov rcx,rax
  6: jmp short 0x10
  8: nop [rax+rax]
  10: movzx edx,byte ptr [r15+rax]
  15: cmp edx,0xFF
  1c: je short 0x33
  1e: cmp edx,1
  22: sbb ecx,0xFFFFFFFF
  26: add eax,1
  2a: cmp eax,edi
  2d: jb short 0x10
  2f: mov rax,rcx
  32: ret
  33: mov eax,0xFFFFFFFF
  39: ret

