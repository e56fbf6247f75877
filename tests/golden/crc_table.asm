function %crc:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x73
  12: sub rsp,8
  16: xor eax,eax
  19: mov rcx,rax
  1c: jmp short 0x40
  1e: nop [rax+rax]
  27: nop [rax+rax]
  30: nop [rax+rax]
  39: nop [rax]
  40: cmp eax,edi
  43: jae 0x6B
  49: movzx edx,byte ptr [r15+rax+0x100]
  52: xor edx,ecx
  55: movzx edx,dl
  59: shr ecx,8
  5d: xor ecx,[r15+rdx*4+0x400]
  65: add eax,1
  69: jmp short 0x40
  6b: mov rax,rcx
  6e: mov rsp,rbp
  71: pop rbp
  72: ret
  73: ud2

