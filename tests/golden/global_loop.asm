function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x7B
  12: sub rsp,8
  16: sub dword ptr [r14+0x90],0x10
  1f: xor eax,eax
  22: jmp short 0x50
  24: nop [rax+rax]
  2d: nop [rax+rax]
  36: nop [rax+rax]
  3f: nop [rax+rax]
  48: nop [rax+rax]
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

