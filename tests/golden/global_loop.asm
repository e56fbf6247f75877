function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x6B
  12: sub rsp,8
  16: xor eax,eax
  19: sub dword ptr [r14+0x90],0x10
  22: jmp short 0x40
  24: nop [rax+rax]
  2d: nop [rax+rax]
  36: nop [rax+rax]
  3f: nop
  40: add qword ptr [r14+0xA0],1
  49: add eax,1
  4d: cmp eax,edi
  50: jb short 0x40
  52: mov eax,[r14+0x90]
  5a: add eax,0x10
  5e: mov [r14+0x90],eax
  66: mov rsp,rbp
  69: pop rbp
  6a: ret
  6b: ud2

