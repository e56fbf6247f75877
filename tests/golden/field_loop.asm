function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0xDA
  12: sub rsp,8
  16: xorps xmm0,xmm0
  1a: mov eax,0x410
  20: shl edi,4
  24: lea ecx,[rdi+0x410]
  2c: movsd xmm1,[0xE0]
  35: mov rdx,rax
  38: jmp short 0x50
  3a: nop [rax+rax]
  43: nop [rax+rax]
  4c: nop [rax]
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
  82: movsd xmm1,[0xE8]
  8b: nop [rax+rax]
  90: cmp eax,ecx
  93: jae 0xD5
  99: movsd xmm2,[r15+rax-8]
  a0: movaps xmm3,xmm1
  a4: mulsd xmm3,[r15+rax-0x10]
  ab: addsd xmm2,xmm3
  b0: movsd [r15+rax-8],xmm2
  b7: mulsd xmm2,xmm1
  bc: addsd xmm2,[r15+rax-0x10]
  c3: movsd [r15+rax-0x10],xmm2
  ca: addsd xmm0,xmm2
  cf: add eax,0x10
  d3: jmp short 0x90
  d5: mov rsp,rbp
  d8: pop rbp
  d9: ret
  da: ud2
  dc: .bytes cc cc cc cc
  e0: .bytes 00 00 00 00 00 00 f0 3f
  e8: .bytes 00 00 00 00 00 00 e0 3f

