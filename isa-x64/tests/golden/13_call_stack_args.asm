; %caller (78 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x4C
  10: sub rsp,0x30
  14: mov [rbp-0x10],rbx
  18: mov rbx,rdi
  1b: lea rsi,[rbx+1]
  20: mov rdx,rbx
  23: mov rcx,rsi
  26: mov [rsp],rbx
  2a: mov [rsp+8],rsi
  2f: mov [rsp+0x10],rbx
  34: mov [rsp+0x18],rsi
  39: mov rdi,rbx
  3c: call qword ptr [r14+0x10]
  40: add rax,rbx
  43: mov rbx,[rbp-0x10]
  47: mov rsp,rbp
  4a: pop rbp
  4b: ret
  4c: ud2
; trap at 4c: StackOverflow
