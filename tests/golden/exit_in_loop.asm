function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x76
  12: sub rsp,8
  16: xor eax,eax
  19: mov rcx,rax
  1c: jmp short 0x40
  1e: nop [rax+rax]
  27: nop [rax+rax]
  30: nop [rax+rax]
  39: nop [rax]
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

