; %caller (78 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x4C
  10: sub rsp,0x40
  14: mov rsi,rdi
  17: mov rdx,rdi
  1a: mov rcx,rdi
  1d: mov [rsp],rdi
  21: mov [rsp+8],rdi
  26: mov [rsp+0x10],rdi
  2b: mov [rsp+0x18],rdi
  30: call qword ptr [r14+0x10]
  34: mov rcx,[rsp+0x20]
  39: mov rsi,[rsp+0x28]
  3e: add rax,rdx
  41: add rax,rcx
  44: add rax,rsi
  47: mov rsp,rbp
  4a: pop rbp
  4b: ret
  4c: ud2
; trap at 4c: StackOverflow
