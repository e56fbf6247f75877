; %max_u64 (11 bytes)
  0: mov rax,rsi
  3: cmp rdi,rsi
  6: cmova rax,rdi
  a: ret
