function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0xB1
  10: sub rsp,0x10
  14: test edx,edx
  17: je 0x92
  1d: xor eax,eax
  20: mov rcx,rsi
  23: jmp short 0x50
  25: nop [rax+rax]
  2e: nop [rax+rax]
  37: nop [rax+rax]
  40: nop [rax+rax]
  49: nop [rax]
  50: movsd xmm1,[r15+rcx]
  56: vmulsd xmm2,xmm0,[r15+rdi]
  5c: addsd xmm1,xmm2
  61: movsd [r15+rcx],xmm1
  67: movsd xmm1,[r15+rcx+8]
  6e: vmulsd xmm2,xmm0,[r15+rdi+8]
  75: addsd xmm1,xmm2
  7a: movsd [r15+rcx+8],xmm1
  81: add edi,0x10
  85: add ecx,0x10
  89: add eax,1
  8d: cmp eax,edx
  90: jne short 0x50
  92: movsd xmm0,[r15+rsi]
  98: shl edx,1
  9c: lea eax,[rdx-1]
  a1: lea eax,[rsi+rax*8]
  a6: addsd xmm0,[r15+rax]
  ac: mov rsp,rbp
  af: pop rbp
  b0: ret
  b1: ud2

