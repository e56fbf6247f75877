; %vm_index (44 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x2A
  17: sub rsp,8
  1b: mov rax,[rdi+rsi*8+0x10]
  20: mov [rdi+0x44],edx
  25: mov rsp,rbp
  28: pop rbp
  29: ret
  2a: ud2
; trap at 2a: StackOverflow
