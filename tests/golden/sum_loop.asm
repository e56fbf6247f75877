function %sum:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x73
  10: sub rsp,0x10
  14: xor eax,eax
  17: xor ecx,ecx
  1a: jmp short 0x50
  1c: nop [rax+rax]
  25: nop [rax+rax]
  2e: nop [rax+rax]
  37: nop [rax+rax]
  40: nop [rax+rax]
  49: nop [rax]
  50: cmp ecx,edi
  53: jae 0x6E
  59: mov rdx,rcx
  5c: shl edx,2
  60: add eax,[r15+rdx+0x400]
  68: add ecx,1
  6c: jmp short 0x50
  6e: mov rsp,rbp
  71: pop rbp
  72: ret
  73: ud2

