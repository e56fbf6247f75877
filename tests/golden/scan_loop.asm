function %scan:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x6B
  10: sub rsp,0x10
  14: xor eax,eax
  17: jmp short 0x50
  19: nop [rax+rax]
  22: nop [rax+rax]
  2b: nop [rax+rax]
  34: nop [rax+rax]
  3d: nop [rax+rax]
  46: nop [rax+rax]
  4f: nop
  50: movzx ecx,byte ptr [r15+rax+0x400]
  59: add eax,1
  5d: cmp ecx,edi
  60: jb short 0x50
  62: add eax,0xFFFFFFFF
  66: mov rsp,rbp
  69: pop rbp
  6a: ret
  6b: ud2

