function %dot:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x7D
  17: sub rsp,8
  1b: xorps xmm0,xmm0
  1f: xor eax,eax
  22: test edi,edi
  25: je 0x78
  2b: movsd xmm1,[0x80]
  34: nop [rax+rax]
  3d: nop [rax]
  40: lea ecx,[rax+1]
  45: xorps xmm2,xmm2
  49: cvtsi2sd xmm2,ecx
  4e: movaps xmm3,xmm1
  52: divsd xmm3,xmm2
  57: shl eax,3
  5b: mulsd xmm3,[r15+rax+0x400]
  65: addsd xmm0,xmm3
  6a: cmp ecx,edi
  6d: je 0x78
  73: mov rax,rcx
  76: jmp short 0x40
  78: mov rsp,rbp
  7b: pop rbp
  7c: ret
  7d: ud2
  7f: .bytes cc
  80: .bytes 00 00 00 00 00 00 f0 3f

