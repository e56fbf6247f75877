; %sum_to (89 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x57
  12: sub rsp,8
  16: xor eax,eax
  19: mov rcx,rax
  1c: jmp short 0x40
  1e: nop [rax+rax]
  27: nop [rax+rax]
  30: nop [rax+rax]
  39: nop [rax]
  40: cmp ecx,edi
  43: jge 0x52
  49: add eax,ecx
  4c: add ecx,1
  50: jmp short 0x40
  52: mov rsp,rbp
  55: pop rbp
  56: ret
  57: ud2
; trap at 57: StackOverflow
