; %test_branch (36 bytes)
  0: test edi,esi
  3: je short 0x10
  5: test rdx,0xFF
  c: je short 0x1C
  e: jmp short 0x20
  10: test rdx,rdx
  13: sete al
  17: movzx eax,al
  1b: ret
  1c: mov rax,rdi
  1f: ret
  20: mov rax,rsi
  23: ret
