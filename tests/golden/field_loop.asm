function %f0:
  0: xorps xmm0,xmm0
  4: mov eax,0x410
  a: shl edi,4
  e: lea ecx,[rdi+0x410]
  16: movsd xmm1,[0xD8]
  1f: mov rdx,rax
  22: jmp short 0x50
  24: nop [rax+rax]
  2d: nop [rax+rax]
  36: nop [rax+rax]
  3f: nop [rax+rax]
  48: nop [rax+rax]
  50: cmp edx,ecx
  53: jae 0x82
  59: lea esi,[rdx-0x410]
  61: shr esi,4
  65: xorps xmm2,xmm2
  69: cvtsi2sd xmm2,rsi
  6e: movsd [r15+rdx-0x10],xmm2
  75: movsd [r15+rdx-8],xmm1
  7c: add edx,0x10
  80: jmp short 0x50
  82: movsd xmm1,[0xE0]
  8b: nop [rax+rax]
  90: cmp eax,ecx
  93: jae 0xD1
  99: movsd xmm2,[r15+rax-8]
  a0: vmulsd xmm3,xmm1,[r15+rax-0x10]
  a7: addsd xmm2,xmm3
  ac: movsd [r15+rax-8],xmm2
  b3: mulsd xmm2,xmm1
  b8: addsd xmm2,[r15+rax-0x10]
  bf: movsd [r15+rax-0x10],xmm2
  c6: addsd xmm0,xmm2
  cb: add eax,0x10
  cf: jmp short 0x90
  d1: ret
  d2: .bytes cc cc cc cc cc cc
  d8: .bytes 00 00 00 00 00 00 f0 3f
  e0: .bytes 00 00 00 00 00 00 e0 3f

