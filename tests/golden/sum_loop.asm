function %sum:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x6C
  1e: sub rsp,8
  25: xor eax,eax
  28: mov rcx,rax
  2b: nop [rax+rax]
  34: nop [rax+rax]
  3d: nop [rax]
  40: cmp eax,edi
  43: jae 0x64
  49: mov rdx,rax
  4c: shl edx,2
  50: add ecx,[r15+rdx+0x400]
  58: add eax,1
  5f: jmp 0x40
  64: mov rax,rcx
  67: mov rsp,rbp
  6a: pop rbp
  6b: ret
  6c: ud2

