; %caller (74 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x48
  10: sub rsp,0x20
  14: mov [rbp-0x10],rbx
  18: mov rbx,rdi
  1b: lea rsi,[rbx+1]
  20: mov rdx,rbx
  23: mov rcx,rsi
  26: mov r8,rbx
  29: mov r9,rsi
  2c: mov [rsp],rbx
  30: mov [rsp+8],rsi
  35: mov rdi,rbx
  38: call qword ptr [r14+0x10]
  3c: add rax,rbx
  3f: mov rbx,[rbp-0x10]
  43: mov rsp,rbp
  46: pop rbp
  47: ret
  48: ud2
; trap at 48: StackOverflow
