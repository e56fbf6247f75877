; %test_branch (88 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x56
  17: sub rsp,8
  1b: test edi,esi
  1e: je 0x36
  24: test rdx,0xFF
  2b: je 0x46
  31: jmp 0x4E
  36: test rdx,rdx
  39: sete al
  3d: movzx eax,al
  41: mov rsp,rbp
  44: pop rbp
  45: ret
  46: mov rax,rdi
  49: mov rsp,rbp
  4c: pop rbp
  4d: ret
  4e: mov rax,rsi
  51: mov rsp,rbp
  54: pop rbp
  55: ret
  56: ud2
; trap at 56: StackOverflow
