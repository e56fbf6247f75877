function %dot:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x83
  1e: sub rsp,8
  25: xorps xmm0,xmm0
  29: xor eax,eax
  2c: test edi,edi
  2f: je 0x7E
  35: movsd xmm1,[0x88]
  3e: xchg ax,ax
  40: lea ecx,[rax+1]
  48: xorps xmm2,xmm2
  4c: cvtsi2sd xmm2,ecx
  51: movaps xmm3,xmm1
  55: divsd xmm3,xmm2
  5a: shl eax,3
  5e: mulsd xmm3,[r15+rax+0x400]
  68: addsd xmm0,xmm3
  6d: cmp ecx,edi
  70: je 0x7E
  76: mov rax,rcx
  79: jmp 0x40
  7e: mov rsp,rbp
  81: pop rbp
  82: ret
  83: ud2
  85: .bytes cc cc cc
  88: .bytes 00 00 00 00 00 00 f0 3f

