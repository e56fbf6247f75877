; %caller (74 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x48
  10: sub rsp,0x30
  14: mov rsi,rdi
  17: mov rdx,rdi
  1a: mov rcx,rdi
  1d: mov r8,rdi
  20: mov r9,rdi
  23: mov [rsp],rdi
  27: mov [rsp+8],rdi
  2c: call qword ptr [r14+0x10]
  30: mov rcx,[rsp+0x10]
  35: mov rsi,[rsp+0x18]
  3a: add rax,rdx
  3d: add rax,rcx
  40: add rax,rsi
  43: mov rsp,rbp
  46: pop rbp
  47: ret
  48: ud2
; trap at 48: StackOverflow
