function %dot:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x7B
  12: sub rsp,8
  16: xorps xmm0,xmm0
  1a: xor eax,eax
  1d: test edi,edi
  20: je 0x76
  26: movsd xmm1,[0x80]
  2f: jmp short 0x40
  31: nop [rax+rax]
  3a: nop [rax+rax]
  40: lea ecx,[rax+1]
  45: xorps xmm2,xmm2
  49: cvtsi2sd xmm2,ecx
  4e: movaps xmm3,xmm1
  52: divsd xmm3,xmm2
  57: mov rcx,rax
  5a: shl ecx,3
  5e: add eax,1
  62: mulsd xmm3,[r15+rcx+0x400]
  6c: addsd xmm0,xmm3
  71: cmp eax,edi
  74: jne short 0x40
  76: mov rsp,rbp
  79: pop rbp
  7a: ret
  7b: ud2
  7d: .bytes cc cc cc
  80: .bytes 00 00 00 00 00 00 f0 3f

