; %sum_to (89 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x57
  17: sub rsp,8
  1b: xor eax,eax
  1e: mov rcx,rax
  21: jmp short 0x40
  23: nop [rax+rax]
  2c: nop [rax+rax]
  35: nop [rax+rax]
  3e: xchg ax,ax
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
