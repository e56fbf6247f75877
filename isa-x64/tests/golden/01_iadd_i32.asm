; %iadd (6 bytes)
  0: lea eax,[rdi+rsi]
  5: ret
