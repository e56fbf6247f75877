function %mark:
  0: cmp edi,0x3E8
  7: jbe 0x11
  d: xor eax,eax
  10: ret
  11: test edi,edi
  14: jne 0x1E
  1a: xor eax,eax
  1d: ret
  1e: mov rax,rdi
  21: shl eax,1
  25: jmp short 0x50
  27: nop [rax+rax]
  30: nop [rax+rax]
  39: nop [rax+rax]
  42: nop [rax+rax]
  4b: nop [rax+rax]
  50: mov byte ptr [r15+rax+0x400],1
  59: add eax,edi
  5c: cmp eax,0x7D1
  63: jb short 0x50
  65: lea eax,[rdi+rdi*2]
  6a: movzx eax,byte ptr [r15+rax+0x400]
  73: movzx ecx,byte ptr [r15+rdi*2+0x401]
  7c: add eax,ecx
  7f: ret

