; %vm_index (11 bytes)
  0: mov rax,[rdi+rsi*8+0x10]
  5: mov [rdi+0x44],edx
  a: ret
