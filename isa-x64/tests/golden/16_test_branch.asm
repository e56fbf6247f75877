; %test_branch (47 bytes)
  0: test edi,esi
  3: je 0x1B
  9: test rdx,0xFF
  10: je 0x27
  16: jmp 0x2B
  1b: test rdx,rdx
  1e: sete al
  22: movzx eax,al
  26: ret
  27: mov rax,rdi
  2a: ret
  2b: mov rax,rsi
  2e: ret
