; %icmp_brif (75 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x49
  17: sub rsp,8
  1b: cmp edi,esi
  1e: jge 0x2F
  24: mov eax,1
  2a: mov rsp,rbp
  2d: pop rbp
  2e: ret
  2f: cmp edi,0xA
  33: jbe 0x41
  39: mov rax,rdi
  3c: mov rsp,rbp
  3f: pop rbp
  40: ret
  41: mov rax,rsi
  44: mov rsp,rbp
  47: pop rbp
  48: ret
  49: ud2
; trap at 49: StackOverflow
