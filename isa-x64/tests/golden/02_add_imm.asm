; %add_imm (47 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x2D
  10: sub rsp,0x10
  14: mov rax,0x10000000000
  1e: lea rdx,[rax+rsi-8]
  23: lea eax,[rdi+rdi+0x64]
  28: mov rsp,rbp
  2b: pop rbp
  2c: ret
  2d: ud2
; trap at 2d: StackOverflow
