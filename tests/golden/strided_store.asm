function %mark:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0xB4
  17: sub rsp,8
  1b: cmp edi,0x3E8
  22: jbe 0x30
  28: xor eax,eax
  2b: mov rsp,rbp
  2e: pop rbp
  2f: ret
  30: test edi,edi
  33: jne 0x41
  39: xor eax,eax
  3c: mov rsp,rbp
  3f: pop rbp
  40: ret
  41: mov rax,rdi
  44: shl eax,1
  48: jmp short 0x80
  4a: nop [rax+rax]
  53: nop [rax+rax]
  5c: nop [rax+rax]
  65: nop [rax+rax]
  6e: nop [rax+rax]
  77: nop [rax+rax]
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

