function %sum:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x73
  12: sub rsp,8
  16: xor eax,eax
  19: xor ecx,ecx
  1c: jmp short 0x50
  1e: nop [rax+rax]
  27: nop [rax+rax]
  30: nop [rax+rax]
  39: nop [rax+rax]
  42: nop [rax+rax]
  4b: nop [rax+rax]
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

