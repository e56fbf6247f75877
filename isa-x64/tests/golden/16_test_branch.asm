; %test_branch (81 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x4F
  10: sub rsp,0x10
  14: test edi,esi
  17: je 0x2F
  1d: test rdx,0xFF
  24: je 0x3F
  2a: jmp 0x47
  2f: test rdx,rdx
  32: sete al
  36: movzx eax,al
  3a: mov rsp,rbp
  3d: pop rbp
  3e: ret
  3f: mov rax,rdi
  42: mov rsp,rbp
  45: pop rbp
  46: ret
  47: mov rax,rsi
  4a: mov rsp,rbp
  4d: pop rbp
  4e: ret
  4f: ud2
; trap at 4f: StackOverflow
