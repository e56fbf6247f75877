; %shifts (58 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x38
  12: sub rsp,8
  16: mov rcx,rsi
  19: shl edi,cl
  1c: mov rax,rdi
  1f: sar eax,1
  23: mov rsi,rdx
  26: rol rsi,0xD
  2a: mov rcx,rdx
  2d: mov rdx,rsi
  30: shr rdx,cl
  33: mov rsp,rbp
  36: pop rbp
  37: ret
  38: ud2
; trap at 38: StackOverflow
