; %srem_m1 (71 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x43
  10: sub rsp,0x10
  14: mov ecx,0xFFFFFFFF
  1a: mov rax,rdi
  1d: test ecx,ecx
  20: je 0x45
  26: cmp ecx,0xFFFFFFFF
  2a: jne 0x37
  30: xor edx,edx
  32: jmp 0x3B
  37: cdq
  38: idiv ecx
  3b: mov rax,rdx
  3e: mov rsp,rbp
  41: pop rbp
  42: ret
  43: ud2
  45: ud2
; trap at 43: StackOverflow
; trap at 45: IntegerDivideByZero
