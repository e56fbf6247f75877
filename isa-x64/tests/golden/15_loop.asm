; %sum_to (74 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x48
  1e: sub rsp,8
  25: xor eax,eax
  28: mov rcx,rax
  2b: cmp ecx,edi
  2e: jge 0x43
  34: add eax,ecx
  37: add ecx,1
  3e: jmp 0x2B
  43: mov rsp,rbp
  46: pop rbp
  47: ret
  48: ud2
; trap at 48: StackOverflow
