function %mark:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x84
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
  43: jmp short 0x50
  45: nop [rax+rax]
  4e: xchg ax,ax
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

