function %crc:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x83
  12: sub rsp,8
  16: xor eax,eax
  19: mov rcx,rax
  1c: jmp short 0x50
  1e: nop [rax+rax]
  27: nop [rax+rax]
  30: nop [rax+rax]
  39: nop [rax+rax]
  42: nop [rax+rax]
  4b: nop [rax+rax]
  50: cmp eax,edi
  53: jae 0x7B
  59: movzx edx,byte ptr [r15+rax+0x100]
  62: xor edx,ecx
  65: movzx edx,dl
  69: shr ecx,8
  6d: xor ecx,[r15+rdx*4+0x400]
  75: add eax,1
  79: jmp short 0x50
  7b: mov rax,rcx
  7e: mov rsp,rbp
  81: pop rbp
  82: ret
  83: ud2

