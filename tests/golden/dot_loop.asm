function %dot:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x8B
  12: sub rsp,8
  16: xorps xmm0,xmm0
  1a: xor eax,eax
  1d: test edi,edi
  20: je 0x86
  26: movsd xmm1,[0x90]
  2f: jmp short 0x50
  31: nop [rax+rax]
  3a: nop [rax+rax]
  43: nop [rax+rax]
  4c: nop [rax]
  50: lea ecx,[rax+1]
  55: xorps xmm2,xmm2
  59: cvtsi2sd xmm2,ecx
  5e: movaps xmm3,xmm1
  62: divsd xmm3,xmm2
  67: mov rcx,rax
  6a: shl ecx,3
  6e: add eax,1
  72: mulsd xmm3,[r15+rcx+0x400]
  7c: addsd xmm0,xmm3
  81: cmp eax,edi
  84: jne short 0x50
  86: mov rsp,rbp
  89: pop rbp
  8a: ret
  8b: ud2
  8d: .bytes cc cc cc
  90: .bytes 00 00 00 00 00 00 f0 3f

