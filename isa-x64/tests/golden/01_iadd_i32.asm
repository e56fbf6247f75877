; %iadd (32 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x1E
  10: sub rsp,0x10
  14: lea eax,[rdi+rsi]
  19: mov rsp,rbp
  1c: pop rbp
  1d: ret
  1e: ud2
; trap at 1e: StackOverflow
