; %sum_to (108 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x6A
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
  50: cmp eax,edi
  53: jge 0x62
  59: add ecx,eax
  5c: add eax,1
  60: jmp short 0x50
  62: mov rax,rcx
  65: mov rsp,rbp
  68: pop rbp
  69: ret
  6a: ud2
; trap at 6a: StackOverflow
