function %dot:
  0: xorps xmm0,xmm0
  4: test edi,edi
  7: jne 0xE
  d: ret
  e: push rbp
  f: mov rbp,rsp
  12: mov r11,[r14]
  15: cmp rsp,[r11]
  18: jb 0x87
  1e: sub rsp,0x10
  22: movsd xmm1,[0x90]
  2b: xor eax,eax
  2e: jmp short 0x50
  30: nop [rax+rax]
  39: nop [rax+rax]
  42: nop [rax+rax]
  4b: nop [rax+rax]
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

