function %scan:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x6B
  12: sub rsp,8
  16: xor eax,eax
  19: jmp short 0x50
  1b: nop [rax+rax]
  24: nop [rax+rax]
  2d: nop [rax+rax]
  36: nop [rax+rax]
  3f: nop [rax+rax]
  48: nop [rax+rax]
  50: movzx ecx,byte ptr [r15+rax+0x400]
  59: add eax,1
  5d: cmp ecx,edi
  60: jb short 0x50
  62: add eax,0xFFFFFFFF
  66: mov rsp,rbp
  69: pop rbp
  6a: ret
  6b: ud2

