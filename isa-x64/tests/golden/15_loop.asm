; %sum_to (105 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x67
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
  50: cmp ecx,edi
  53: jge 0x62
  59: add eax,ecx
  5c: add ecx,1
  60: jmp short 0x50
  62: mov rsp,rbp
  65: pop rbp
  66: ret
  67: ud2
; trap at 67: StackOverflow
