function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x86
  10: sub rsp,0x10
  14: xor eax,eax
  17: mov rcx,rax
  1a: jmp short 0x50
  1c: nop [rax+rax]
  25: nop [rax+rax]
  2e: nop [rax+rax]
  37: nop [rax+rax]
  40: nop [rax+rax]
  49: nop [rax]
  50: movzx edx,byte ptr [r15+rax]
  55: cmp edx,0xFF
  5c: je 0x7B
  62: cmp edx,1
  66: sbb ecx,0xFFFFFFFF
  6a: add eax,1
  6e: cmp eax,edi
  71: jb short 0x50
  73: mov rax,rcx
  76: mov rsp,rbp
  79: pop rbp
  7a: ret
  7b: mov eax,0xFFFFFFFF
  81: mov rsp,rbp
  84: pop rbp
  85: ret
  86: ud2

