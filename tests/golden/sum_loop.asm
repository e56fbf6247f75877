function %sum:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x76
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
  50: cmp eax,edi
  53: jae 0x6E
  59: mov rdx,rax
  5c: shl edx,2
  60: add ecx,[r15+rdx+0x400]
  68: add eax,1
  6c: jmp short 0x50
  6e: mov rax,rcx
  71: mov rsp,rbp
  74: pop rbp
  75: ret
  76: ud2

