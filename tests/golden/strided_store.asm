function %mark:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0xB8
  1e: sub rsp,8
  25: cmp edi,0x3E8
  2c: jbe 0x3A
  32: xor eax,eax
  35: mov rsp,rbp
  38: pop rbp
  39: ret
  3a: test edi,edi
  3d: jne 0x4B
  43: xor eax,eax
  46: mov rsp,rbp
  49: pop rbp
  4a: ret
  4b: mov rax,rdi
  4e: shl eax,1
  52: mov rcx,rax
  55: nop [rax+rax]
  5e: nop [rax+rax]
  67: nop [rax+rax]
  70: nop [rax+rax]
  79: nop [rax]
  80: mov byte ptr [r15+rcx+0x400],1
  89: add ecx,edi
  8c: cmp ecx,0x7D1
  93: jb 0x80
  99: lea ecx,[rdi+rdi*2]
  9e: movzx ecx,byte ptr [r15+rcx+0x400]
  a7: movzx eax,byte ptr [r15+rax+0x401]
  b0: add eax,ecx
  b3: mov rsp,rbp
  b6: pop rbp
  b7: ret
  b8: ud2

