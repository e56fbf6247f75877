; %shifts (73 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x47
  1e: sub rsp,8
  25: mov rcx,rsi
  28: shl edi,cl
  2b: mov rax,rdi
  2e: sar eax,1
  32: mov rsi,rdx
  35: rol rsi,0xD
  39: mov rcx,rdx
  3c: mov rdx,rsi
  3f: shr rdx,cl
  42: mov rsp,rbp
  45: pop rbp
  46: ret
  47: ud2
; trap at 47: StackOverflow
