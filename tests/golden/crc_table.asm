function %crc:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x79
  1e: sub rsp,8
  25: xor eax,eax
  28: mov rcx,rax
  2b: nop [rax+rax]
  34: nop [rax+rax]
  3d: nop [rax]
  40: cmp eax,edi
  43: jae 0x71
  49: movzx edx,byte ptr [r15+rax+0x100]
  52: xor edx,ecx
  55: movzx edx,dl
  59: shr ecx,8
  5d: xor ecx,[r15+rdx*4+0x400]
  65: add eax,1
  6c: jmp 0x40
  71: mov rax,rcx
  74: mov rsp,rbp
  77: pop rbp
  78: ret
  79: ud2

