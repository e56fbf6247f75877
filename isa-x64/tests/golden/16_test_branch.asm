; %test_branch (83 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x51
  12: sub rsp,8
  16: test edi,esi
  19: je 0x31
  1f: test rdx,0xFF
  26: je 0x41
  2c: jmp 0x49
  31: test rdx,rdx
  34: sete al
  38: movzx eax,al
  3c: mov rsp,rbp
  3f: pop rbp
  40: ret
  41: mov rax,rdi
  44: mov rsp,rbp
  47: pop rbp
  48: ret
  49: mov rax,rsi
  4c: mov rsp,rbp
  4f: pop rbp
  50: ret
  51: ud2
; trap at 51: StackOverflow
