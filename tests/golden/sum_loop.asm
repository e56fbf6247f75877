function %sum:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x66
  17: sub rsp,8
  1b: xor eax,eax
  1e: mov rcx,rax
  21: jmp short 0x40
  23: nop [rax+rax]
  2c: nop [rax+rax]
  35: nop [rax+rax]
  3e: xchg ax,ax
  40: cmp eax,edi
  43: jae 0x5E
  49: mov rdx,rax
  4c: shl edx,2
  50: add ecx,[r15+rdx+0x400]
  58: add eax,1
  5c: jmp short 0x40
  5e: mov rax,rcx
  61: mov rsp,rbp
  64: pop rbp
  65: ret
  66: ud2

