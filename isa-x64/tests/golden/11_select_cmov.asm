; %max_u64 (37 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x23
  10: sub rsp,0x10
  14: mov rax,rsi
  17: cmp rdi,rsi
  1a: cmova rax,rdi
  1e: mov rsp,rbp
  21: pop rbp
  22: ret
  23: ud2
; trap at 23: StackOverflow
