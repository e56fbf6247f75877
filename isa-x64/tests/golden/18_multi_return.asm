; %four (56 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x36
  17: sub rsp,8
  1b: lea rax,[rdi+rsi]
  20: mov rdx,rdi
  23: sub rdx,rsi
  26: mov ecx,eax
  29: mov [rbp+0x10],rcx
  2d: mov [rbp+0x18],rsi
  31: mov rsp,rbp
  34: pop rbp
  35: ret
  36: ud2
; trap at 36: StackOverflow
