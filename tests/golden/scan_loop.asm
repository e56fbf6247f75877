function %scan:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x5B
  12: sub rsp,8
  16: xor eax,eax
  19: jmp short 0x40
  1b: nop [rax+rax]
  24: nop [rax+rax]
  2d: nop [rax+rax]
  36: nop [rax+rax]
  3f: nop
  40: movzx ecx,byte ptr [r15+rax+0x400]
  49: add eax,1
  4d: cmp ecx,edi
  50: jb short 0x40
  52: add eax,0xFFFFFFFF
  56: mov rsp,rbp
  59: pop rbp
  5a: ret
  5b: ud2

