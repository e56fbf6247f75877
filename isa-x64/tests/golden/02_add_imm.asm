; %add_imm (49 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x2F
  12: sub rsp,8
  16: mov rax,0x10000000000
  20: lea rdx,[rax+rsi-8]
  25: lea eax,[rdi+rdi+0x64]
  2a: mov rsp,rbp
  2d: pop rbp
  2e: ret
  2f: ud2
; trap at 2f: StackOverflow
