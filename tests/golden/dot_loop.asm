function %dot:
  0: xorps xmm0,xmm0
  4: test edi,edi
  7: jne 0xE
  d: ret
  e: movsd xmm1,[0x88]
  17: xor eax,eax
  1a: jmp short 0x50
  1c: nop [rax+rax]
  25: nop [rax+rax]
  2e: nop [rax+rax]
  37: nop [rax+rax]
  40: nop [rax+rax]
  49: nop [rax]
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

