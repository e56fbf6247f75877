function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0xB1
  12: sub rsp,8
  16: test edx,edx
  19: je 0x92
  1f: xor eax,eax
  22: mov rcx,rsi
  25: jmp short 0x50
  27: nop [rax+rax]
  30: nop [rax+rax]
  39: nop [rax+rax]
  42: nop [rax+rax]
  4b: nop [rax+rax]
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

