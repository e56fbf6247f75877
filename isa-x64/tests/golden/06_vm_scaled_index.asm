; %vm_index (60 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x3A
  1e: sub rsp,8
  25: mov rax,[rdi+rsi*8+0x10]
  2d: mov [rdi+0x44],edx
  35: mov rsp,rbp
  38: pop rbp
  39: ret
  3a: ud2
; trap at 3a: StackOverflow
