function %f0:
  0: test edx,edx
  3: je 0x52
  9: xor eax,eax
  c: mov rcx,rsi
  f: nop
  10: movsd xmm1,[r15+rcx]
  16: vmulsd xmm2,xmm0,[r15+rdi]
  1c: addsd xmm1,xmm2
  21: movsd [r15+rcx],xmm1
  27: movsd xmm1,[r15+rcx+8]
  2e: vmulsd xmm2,xmm0,[r15+rdi+8]
  35: addsd xmm1,xmm2
  3a: movsd [r15+rcx+8],xmm1
  41: add edi,0x10
  45: add ecx,0x10
  49: add eax,1
  4d: cmp eax,edx
  50: jne short 0x10
  52: movsd xmm0,[r15+rsi]
  58: shl edx,1
  5c: lea eax,[rdx-1]
  61: lea eax,[rsi+rax*8]
  66: addsd xmm0,[r15+rax]
  6c: ret

