; %four (49 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x2F
  10: sub rsp,0x10
  14: lea rax,[rdi+rsi]
  19: mov rdx,rdi
  1c: sub rdx,rsi
  1f: mov ecx,eax
  22: mov [rbp+0x10],rcx
  26: mov [rbp+0x18],rsi
  2a: mov rsp,rbp
  2d: pop rbp
  2e: ret
  2f: ud2
; trap at 2f: StackOverflow
