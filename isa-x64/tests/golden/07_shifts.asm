; %shifts (63 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x3D
  17: sub rsp,8
  1b: mov rcx,rsi
  1e: shl edi,cl
  21: mov rax,rdi
  24: sar eax,1
  28: mov rsi,rdx
  2b: rol rsi,0xD
  2f: mov rcx,rdx
  32: mov rdx,rsi
  35: shr rdx,cl
  38: mov rsp,rbp
  3b: pop rbp
  3c: ret
  3d: ud2
; trap at 3d: StackOverflow
