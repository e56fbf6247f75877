function %dot:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x87
  10: sub rsp,0x10
  14: xorps xmm0,xmm0
  18: test edi,edi
  1b: je 0x82
  21: movsd xmm1,[0x90]
  2a: xor eax,eax
  2d: jmp short 0x50
  2f: nop [rax+rax]
  38: nop [rax+rax]
  41: nop [rax+rax]
  4a: nop [rax+rax]
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

