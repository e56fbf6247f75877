function %mark:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0xB4
  12: sub rsp,8
  16: cmp edi,0x3E8
  1d: jbe 0x2B
  23: xor eax,eax
  26: mov rsp,rbp
  29: pop rbp
  2a: ret
  2b: test edi,edi
  2e: jne 0x3C
  34: xor eax,eax
  37: mov rsp,rbp
  3a: pop rbp
  3b: ret
  3c: mov rax,rdi
  3f: shl eax,1
  43: jmp short 0x80
  45: nop [rax+rax]
  4e: nop [rax+rax]
  57: nop [rax+rax]
  60: nop [rax+rax]
  69: nop [rax+rax]
  72: nop [rax+rax]
  7b: nop [rax+rax]
  80: mov byte ptr [r15+rax+0x400],1
  89: add eax,edi
  8c: cmp eax,0x7D1
  93: jb short 0x80
  95: lea eax,[rdi+rdi*2]
  9a: movzx eax,byte ptr [r15+rax+0x400]
  a3: movzx ecx,byte ptr [r15+rdi*2+0x401]
  ac: add eax,ecx
  af: mov rsp,rbp
  b2: pop rbp
  b3: ret
  b4: ud2

