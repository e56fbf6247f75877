; %sdiv7 (38 bytes)
  0: movsxd rax,edi
  3: imul rax,0xFFFFFFFF92492493
  a: sar rax,0x20
  e: add eax,edi
  11: sar eax,2
  15: mov ecx,eax
  18: shr ecx,0x1F
  1c: add eax,ecx
  1f: mov edx,eax
  22: mov rax,rdx
  25: ret
