function %scan:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x5B
  17: sub rsp,8
  1b: xor eax,eax
  1e: jmp short 0x40
  20: nop [rax+rax]
  29: nop [rax+rax]
  32: nop [rax+rax]
  3b: nop [rax+rax]
  40: movzx ecx,byte ptr [r15+rax+0x400]
  49: add eax,1
  4d: cmp ecx,edi
  50: jb short 0x40
  52: add eax,0xFFFFFFFF
  56: mov rsp,rbp
  59: pop rbp
  5a: ret
  5b: ud2

