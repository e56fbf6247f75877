; %iadd (49 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x2F
  1e: sub rsp,8
  25: lea eax,[rdi+rsi]
  2a: mov rsp,rbp
  2d: pop rbp
  2e: ret
  2f: ud2
; trap at 2f: StackOverflow
