; %srem_m1 (73 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x45
  12: sub rsp,8
  16: mov ecx,0xFFFFFFFF
  1c: mov rax,rdi
  1f: test ecx,ecx
  22: je 0x47
  28: cmp ecx,0xFFFFFFFF
  2c: jne 0x39
  32: xor edx,edx
  34: jmp 0x3D
  39: cdq
  3a: idiv ecx
  3d: mov rax,rdx
  40: mov rsp,rbp
  43: pop rbp
  44: ret
  45: ud2
  47: ud2
; trap at 45: StackOverflow
; trap at 47: IntegerDivideByZero
