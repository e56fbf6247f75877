; %sum_to (95 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x5D
  1e: sub rsp,8
  25: xor eax,eax
  28: mov rcx,rax
  2b: nop [rax+rax]
  34: nop [rax+rax]
  3d: nop [rax]
  40: cmp ecx,edi
  43: jge 0x58
  49: add eax,ecx
  4c: add ecx,1
  53: jmp 0x40
  58: mov rsp,rbp
  5b: pop rbp
  5c: ret
  5d: ud2
; trap at 5d: StackOverflow
