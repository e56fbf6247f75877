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
  1e: mov rcx,rax
  21: jmp short 0x40
  23: nop [rax+rax]
  2c: nop [rax+rax]
  35: nop [rax+rax]
  3e: xchg ax,ax
  40: movzx edx,byte ptr [r15+rax]
  45: cmp edx,0xFF
  4c: je 0x6B
  52: cmp edx,1
  56: sbb ecx,0xFFFFFFFF
  5a: add eax,1
  5e: cmp eax,edi
  61: jb short 0x40
  63: mov rax,rcx
  66: mov rsp,rbp
  69: pop rbp
  6a: ret
  6b: mov eax,0xFFFFFFFF
  71: mov rsp,rbp
  74: pop rbp
  75: ret
  76: ud2

