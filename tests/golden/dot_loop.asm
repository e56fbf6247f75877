function %dot:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x7B
  17: sub rsp,8
  1b: xorps xmm0,xmm0
  1f: xor eax,eax
  22: test edi,edi
  25: je 0x76
  2b: movsd xmm1,[0x80]
  34: jmp short 0x40
  36: nop [rax+rax]
  3f: nop
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

