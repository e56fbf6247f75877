function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x76
  17: sub rsp,8
  1b: xor eax,eax
  1e: mov ecx,[r14+0x90]
  26: add ecx,0xFFFFFFF0
  2a: mov [r14+0x90],ecx
  32: jmp short 0x40
  34: nop [rax+rax]
  3d: nop [rax]
  40: mov rcx,[r14+0xA0]
  48: add rcx,1
  4c: mov [r14+0xA0],rcx
  54: add eax,1
  58: cmp eax,edi
  5b: jb short 0x40
  5d: mov eax,[r14+0x90]
  65: add eax,0x10
  69: mov [r14+0x90],eax
  71: mov rsp,rbp
  74: pop rbp
  75: ret
  76: ud2

