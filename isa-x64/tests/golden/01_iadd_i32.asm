; %iadd (50 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x30
  1e: sub rsp,8
  25: mov rax,rdi
  28: add eax,esi
  2b: mov rsp,rbp
  2e: pop rbp
  2f: ret
  30: ud2
; trap at 30: StackOverflow
