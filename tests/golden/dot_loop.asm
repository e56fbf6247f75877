function %dot:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x87
  12: sub rsp,8
  16: xorps xmm0,xmm0
  1a: test edi,edi
  1d: je 0x82
  23: movsd xmm1,[0x90]
  2c: xor eax,eax
  2f: jmp short 0x50
  31: nop [rax+rax]
  3a: nop [rax+rax]
  43: nop [rax+rax]
  4c: nop [rax]
  50: lea ecx,[rax+1]
  55: xorps xmm2,xmm2
  59: cvtsi2sd xmm2,ecx
  5e: vdivsd xmm2,xmm1,xmm2
  63: mov rcx,rax
  66: shl ecx,3
  6a: add eax,1
  6e: mulsd xmm2,[r15+rcx+0x400]
  78: addsd xmm0,xmm2
  7d: cmp eax,edi
  80: jne short 0x50
  82: mov rsp,rbp
  85: pop rbp
  86: ret
  87: ud2
  89: .bytes cc cc cc cc cc cc cc
  90: .bytes 00 00 00 00 00 00 f0 3f

