; %udiv7 (41 bytes)
  0: mov eax,edi
  3: mov ecx,0x24924925
  9: imul rax,rcx
  d: shr rax,0x20
  11: mov ecx,edi
  14: sub ecx,eax
  17: shr ecx,1
  1b: add ecx,eax
  1e: shr ecx,2
  22: mov edx,ecx
  25: mov rax,rdx
  28: ret
