function %dot:
  0: xorps xmm0,xmm0
  4: test edi,edi
  7: jne short 0xA
  9: ret
  a: movsd xmm1,[0x88]
  13: xor eax,eax
  16: jmp short 0x50
  18: nop [rax+rax]
  21: nop [rax+rax]
  2a: nop [rax+rax]
  33: nop [rax+rax]
  3c: nop [rax+rax]
  45: nop [rax+rax]
  4e: xchg ax,ax
  50: lea ecx,[rax+1]
  55: xorps xmm2,xmm2
  59: cvtsi2sd xmm2,ecx
  5e: vdivsd xmm2,xmm1,xmm2
  63: mov rcx,rax
  66: shl ecx,3
  6a: add eax,1
  6e: mulsd xmm2,[r15+rcx+0x400]
  78: addsd xmm0,xmm2
  7d: cmp eax,edi
  80: jne short 0x50
  82: ret
  83: .bytes cc cc cc cc cc
  88: .bytes 00 00 00 00 00 00 f0 3f

