; %add_imm (54 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x34
  17: sub rsp,8
  1b: mov rax,0x10000000000
  25: lea rdx,[rax+rsi-8]
  2a: lea eax,[rdi+rdi+0x64]
  2f: mov rsp,rbp
  32: pop rbp
  33: ret
  34: ud2
; trap at 34: StackOverflow
