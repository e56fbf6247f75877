; %iadd (34 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x20
  12: sub rsp,8
  16: lea eax,[rdi+rsi]
  1b: mov rsp,rbp
  1e: pop rbp
  1f: ret
  20: ud2
; trap at 20: StackOverflow
