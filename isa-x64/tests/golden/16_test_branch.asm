; %test_branch (98 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x60
  1e: sub rsp,8
  25: test edi,esi
  28: je 0x40
  2e: test rdx,0xFF
  35: je 0x50
  3b: jmp 0x58
  40: test rdx,rdx
  43: sete al
  47: movzx eax,al
  4b: mov rsp,rbp
  4e: pop rbp
  4f: ret
  50: mov rax,rdi
  53: mov rsp,rbp
  56: pop rbp
  57: ret
  58: mov rax,rsi
  5b: mov rsp,rbp
  5e: pop rbp
  5f: ret
  60: ud2
; trap at 60: StackOverflow
