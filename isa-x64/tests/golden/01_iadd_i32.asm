; %iadd (39 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x25
  17: sub rsp,8
  1b: lea eax,[rdi+rsi]
  20: mov rsp,rbp
  23: pop rbp
  24: ret
  25: ud2
; trap at 25: StackOverflow
