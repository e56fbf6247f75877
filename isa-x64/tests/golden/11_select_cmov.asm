; %max_u64 (44 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x2A
  17: sub rsp,8
  1b: mov rax,rsi
  1e: cmp rdi,rsi
  21: cmova rax,rdi
  25: mov rsp,rbp
  28: pop rbp
  29: ret
  2a: ud2
; trap at 2a: StackOverflow
