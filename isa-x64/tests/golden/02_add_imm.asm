; %add_imm (21 bytes)
  0: mov rax,0x10000000000
  a: lea rdx,[rax+rsi-8]
  f: lea eax,[rdi+rdi+0x64]
  14: ret
