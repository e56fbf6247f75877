function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x86
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

