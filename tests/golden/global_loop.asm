function %f0:
  0: sub dword ptr [r14+0x90],0x10
  9: xor eax,eax
  c: nop [rax]
  10: add qword ptr [r14+0xA0],1
  19: add eax,1
  1d: cmp eax,edi
  20: jb short 0x10
  22: mov eax,[r14+0x90]
  2a: add eax,0x10
  2e: mov [r14+0x90],eax
  36: ret

