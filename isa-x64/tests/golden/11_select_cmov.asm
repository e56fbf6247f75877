; %max_u64 (54 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x34
  1e: sub rsp,8
  25: mov rax,rsi
  28: cmp rdi,rsi
  2b: cmova rax,rdi
  2f: mov rsp,rbp
  32: pop rbp
  33: ret
  34: ud2
; trap at 34: StackOverflow
