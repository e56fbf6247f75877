; %four (51 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x31
  12: sub rsp,8
  16: lea rax,[rdi+rsi]
  1b: mov rdx,rdi
  1e: sub rdx,rsi
  21: mov ecx,eax
  24: mov [rbp+0x10],rcx
  28: mov [rbp+0x18],rsi
  2c: mov rsp,rbp
  2f: pop rbp
  30: ret
  31: ud2
; trap at 31: StackOverflow
