; %srem_m1 (91 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x57
  1e: sub rsp,8
  25: mov ecx,0xFFFFFFFF
  2b: mov rax,rdi
  2e: test ecx,ecx
  31: je 0x59
  37: cmp ecx,0xFFFFFFFF
  3e: jne 0x4B
  44: xor edx,edx
  46: jmp 0x4F
  4b: cdq
  4c: idiv ecx
  4f: mov rax,rdx
  52: mov rsp,rbp
  55: pop rbp
  56: ret
  57: ud2
  59: ud2
; trap at 57: StackOverflow
; trap at 59: IntegerDivideByZero
