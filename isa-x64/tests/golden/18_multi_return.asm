; %four (72 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x46
  1e: sub rsp,8
  25: lea rax,[rdi+rsi]
  2a: mov rdx,rdi
  2d: sub rdx,rsi
  30: mov ecx,eax
  33: mov [rbp+0x10],rcx
  3a: mov [rbp+0x18],rsi
  41: mov rsp,rbp
  44: pop rbp
  45: ret
  46: ud2
; trap at 46: StackOverflow
