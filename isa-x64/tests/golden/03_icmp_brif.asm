; %icmp_brif (64 bytes)
  0: cmp edi,esi
  3: jge 0x10
  9: mov eax,1
  f: ret
  10: push rbp
  11: mov rbp,rsp
  14: mov r11,[r14]
  17: cmp rsp,[r11]
  1a: jb 0x3E
  20: sub rsp,0x10
  24: cmp edi,0xA
  28: jbe 0x36
  2e: mov rax,rdi
  31: mov rsp,rbp
  34: pop rbp
  35: ret
  36: mov rax,rsi
  39: mov rsp,rbp
  3c: pop rbp
  3d: ret
  3e: ud2
; trap at 3e: StackOverflow
