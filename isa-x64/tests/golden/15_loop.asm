; %sum_to (108 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x6A
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
