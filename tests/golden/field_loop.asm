function %f0:
  0: xorps xmm0,xmm0
  4: mov eax,0x410
  a: shl edi,4
  e: lea ecx,[rdi+0x410]
  16: movsd xmm1,[0xD0]
  1f: mov rdx,rax
  22: jmp short 0x50
  24: nop [rax+rax]
  2d: nop [rax+rax]
  36: nop [rax+rax]
  3f: nop [rax+rax]
  48: nop [rax+rax]
  50: cmp edx,ecx
  53: jae short 0x7E
  55: lea esi,[rdx-0x410]
  5d: shr esi,4
  61: xorps xmm2,xmm2
  65: cvtsi2sd xmm2,rsi
  6a: movsd [r15+rdx-0x10],xmm2
  71: movsd [r15+rdx-8],xmm1
  78: add edx,0x10
  7c: jmp short 0x50
  7e: movsd xmm1,[0xD8]
  87: nop [rax+rax]
  90: cmp eax,ecx
  93: jae short 0xCD
  95: movsd xmm2,[r15+rax-8]
  9c: vmulsd xmm3,xmm1,[r15+rax-0x10]
  a3: addsd xmm2,xmm3
  a8: movsd [r15+rax-8],xmm2
  af: mulsd xmm2,xmm1
  b4: addsd xmm2,[r15+rax-0x10]
  bb: movsd [r15+rax-0x10],xmm2
  c2: addsd xmm0,xmm2
  c7: add eax,0x10
  cb: jmp short 0x90
  cd: ret
  ce: .bytes cc cc
  d0: .bytes 00 00 00 00 00 00 f0 3f
  d8: .bytes 00 00 00 00 00 00 e0 3f

