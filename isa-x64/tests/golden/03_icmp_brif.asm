; %icmp_brif (68 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x42
  10: sub rsp,0x10
  14: cmp edi,esi
  17: jge 0x28
  1d: mov eax,1
  23: mov rsp,rbp
  26: pop rbp
  27: ret
  28: cmp edi,0xA
  2c: jbe 0x3A
  32: mov rax,rdi
  35: mov rsp,rbp
  38: pop rbp
  39: ret
  3a: mov rax,rsi
  3d: mov rsp,rbp
  40: pop rbp
  41: ret
  42: ud2
; trap at 42: StackOverflow
