function %mark:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x84
  10: sub rsp,0x10
  14: cmp edi,0x3E8
  1b: jbe 0x29
  21: xor eax,eax
  24: mov rsp,rbp
  27: pop rbp
  28: ret
  29: test edi,edi
  2c: jne 0x3A
  32: xor eax,eax
  35: mov rsp,rbp
  38: pop rbp
  39: ret
  3a: mov rax,rdi
  3d: shl eax,1
  41: jmp short 0x50
  43: nop [rax+rax]
  4c: nop [rax]
  50: mov byte ptr [r15+rax+0x400],1
  59: add eax,edi
  5c: cmp eax,0x7D1
  63: jb short 0x50
  65: lea eax,[rdi+rdi*2]
  6a: movzx eax,byte ptr [r15+rax+0x400]
  73: movzx ecx,byte ptr [r15+rdi*2+0x401]
  7c: add eax,ecx
  7f: mov rsp,rbp
  82: pop rbp
  83: ret
  84: ud2

