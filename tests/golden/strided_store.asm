function %mark:
  0: cmp edi,0x3E8
  7: jbe short 0xD
  9: xor eax,eax
  c: ret
  d: test edi,edi
  10: jne short 0x16
  12: xor eax,eax
  15: ret
  16: mov rax,rdi
  19: shl eax,1
  1d: jmp short 0x50
  1f: nop [rax+rax]
  28: nop [rax+rax]
  31: nop [rax+rax]
  3a: nop [rax+rax]
  43: nop [rax+rax]
  4c: nop [rax]
  50: mov byte ptr [r15+rax+0x400],1
  59: add eax,edi
  5c: cmp eax,0x7D1
  63: jb short 0x50
  65: lea eax,[rdi+rdi*2]
  6a: movzx eax,byte ptr [r15+rax+0x400]
  73: movzx ecx,byte ptr [r15+rdi*2+0x401]
  7c: add eax,ecx
  7f: ret

