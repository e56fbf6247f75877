function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x81
  17: sub rsp,8
  1b: xor eax,eax
  1e: mov rcx,[r14+0x78]
  23: mov edx,[rcx]
  28: add edx,0xFFFFFFF0
  2c: mov [rcx],edx
  31: jmp short 0x40
  33: nop [rax+rax]
  3c: nop [rax]
  40: mov rcx,[r14+0x80]
  48: mov rdx,[rcx]
  4d: add rdx,1
  51: mov [rcx],rdx
  56: add eax,1
  5a: cmp eax,edi
  5d: jb short 0x40
  5f: mov rax,[r14+0x78]
  64: mov ecx,[rax]
  69: add ecx,0x10
  6d: mov [rax],ecx
  72: mov rax,[r14+0x78]
  77: mov eax,[rax]
  7c: mov rsp,rbp
  7f: pop rbp
  80: ret
  81: ud2

