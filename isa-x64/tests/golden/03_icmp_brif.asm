; %icmp_brif (70 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x44
  12: sub rsp,8
  16: cmp edi,esi
  19: jge 0x2A
  1f: mov eax,1
  25: mov rsp,rbp
  28: pop rbp
  29: ret
  2a: cmp edi,0xA
  2e: jbe 0x3C
  34: mov rax,rdi
  37: mov rsp,rbp
  3a: pop rbp
  3b: ret
  3c: mov rax,rsi
  3f: mov rsp,rbp
  42: pop rbp
  43: ret
  44: ud2
; trap at 44: StackOverflow
