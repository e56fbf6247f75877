; %max_u64 (39 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x25
  12: sub rsp,8
  16: mov rax,rsi
  19: cmp rdi,rsi
  1c: cmova rax,rdi
  20: mov rsp,rbp
  23: pop rbp
  24: ret
  25: ud2
; trap at 25: StackOverflow
