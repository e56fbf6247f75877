function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0xB9
  12: sub rsp,8
  16: xor eax,eax
  19: test edx,edx
  1c: je 0x9A
  22: mov rcx,rsi
  25: jmp short 0x50
  27: nop [rax+rax]
  30: nop [rax+rax]
  39: nop [rax+rax]
  42: nop [rax+rax]
  4b: nop [rax+rax]
  50: movsd xmm1,[r15+rcx]
  56: movaps xmm2,xmm0
  5a: mulsd xmm2,[r15+rdi]
  60: addsd xmm1,xmm2
  65: movsd [r15+rcx],xmm1
  6b: movsd xmm1,[r15+rcx+8]
  72: movaps xmm2,xmm0
  76: mulsd xmm2,[r15+rdi+8]
  7d: addsd xmm1,xmm2
  82: movsd [r15+rcx+8],xmm1
  89: add edi,0x10
  8d: add ecx,0x10
  91: add eax,1
  95: cmp eax,edx
  98: jne short 0x50
  9a: movsd xmm0,[r15+rsi]
  a0: shl edx,1
  a4: lea eax,[rdx-1]
  a9: lea eax,[rsi+rax*8]
  ae: addsd xmm0,[r15+rax]
  b4: mov rsp,rbp
  b7: pop rbp
  b8: ret
  b9: ud2

