function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x7B
  10: sub rsp,0x10
  14: sub dword ptr [r14+0x90],0x10
  1d: xor eax,eax
  20: jmp short 0x50
  22: nop [rax+rax]
  2b: nop [rax+rax]
  34: nop [rax+rax]
  3d: nop [rax+rax]
  46: nop [rax+rax]
  4f: nop
  50: add qword ptr [r14+0xA0],1
  59: add eax,1
  5d: cmp eax,edi
  60: jb short 0x50
  62: mov eax,[r14+0x90]
  6a: add eax,0x10
  6e: mov [r14+0x90],eax
  76: mov rsp,rbp
  79: pop rbp
  7a: ret
  7b: ud2

