; %icmp_brif (88 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x56
  1e: sub rsp,8
  25: cmp edi,esi
  28: jge 0x39
  2e: mov eax,1
  34: mov rsp,rbp
  37: pop rbp
  38: ret
  39: cmp edi,0xA
  40: jbe 0x4E
  46: mov rax,rdi
  49: mov rsp,rbp
  4c: pop rbp
  4d: ret
  4e: mov rax,rsi
  51: mov rsp,rbp
  54: pop rbp
  55: ret
  56: ud2
; trap at 56: StackOverflow
