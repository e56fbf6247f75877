; %add_imm (70 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x44
  1e: sub rsp,8
  25: mov rax,0x10000000000
  2f: lea rdx,[rax+rsi-8]
  37: lea eax,[rdi+rdi+0x64]
  3f: mov rsp,rbp
  42: pop rbp
  43: ret
  44: ud2
; trap at 44: StackOverflow
