; %shifts (56 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x36
  10: sub rsp,0x10
  14: mov rcx,rsi
  17: shl edi,cl
  1a: mov rax,rdi
  1d: sar eax,1
  21: mov rsi,rdx
  24: rol rsi,0xD
  28: mov rcx,rdx
  2b: mov rdx,rsi
  2e: shr rdx,cl
  31: mov rsp,rbp
  34: pop rbp
  35: ret
  36: ud2
; trap at 36: StackOverflow
