function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0xD6
  10: sub rsp,0x10
  14: xorps xmm0,xmm0
  18: mov eax,0x410
  1e: shl edi,4
  22: lea ecx,[rdi+0x410]
  2a: movsd xmm1,[0xD8]
  33: mov rdx,rax
  36: jmp short 0x50
  38: nop [rax+rax]
  41: nop [rax+rax]
  4a: nop [rax+rax]
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
  d1: mov rsp,rbp
  d4: pop rbp
  d5: ret
  d6: ud2
  d8: .bytes 00 00 00 00 00 00 f0 3f
  e0: .bytes 00 00 00 00 00 00 e0 3f

