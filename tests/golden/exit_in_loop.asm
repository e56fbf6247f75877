function %f0:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x7C
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
  4c: je 0x71
  52: test edx,edx
  55: setne dl
  59: movzx edx,dl
  5d: add ecx,edx
  60: add eax,1
  64: cmp eax,edi
  67: jb short 0x40
  69: mov rax,rcx
  6c: mov rsp,rbp
  6f: pop rbp
  70: ret
  71: mov eax,0xFFFFFFFF
  77: mov rsp,rbp
  7a: pop rbp
  7b: ret
  7c: ud2

