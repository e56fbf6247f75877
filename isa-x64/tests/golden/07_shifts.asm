; %shifts (30 bytes)
  0: mov rcx,rsi
  3: shl edi,cl
  6: mov rax,rdi
  9: sar eax,1
  d: mov rsi,rdx
  10: rol rsi,0xD
  14: mov rcx,rdx
  17: mov rdx,rsi
  1a: shr rdx,cl
  1d: ret
