; %test_branch (73 bytes)
  0: test edi,esi
  3: je 0x1B
  9: test rdx,0xFF
  10: je 0x3F
  16: jmp 0x43
  1b: push rbp
  1c: mov rbp,rsp
  1f: mov r11,[r14]
  22: cmp rsp,[r11]
  25: jb 0x47
  2b: sub rsp,0x10
  2f: test rdx,rdx
  32: sete al
  36: movzx eax,al
  3a: mov rsp,rbp
  3d: pop rbp
  3e: ret
  3f: mov rax,rdi
  42: ret
  43: mov rax,rsi
  46: ret
  47: ud2
; trap at 47: StackOverflow
