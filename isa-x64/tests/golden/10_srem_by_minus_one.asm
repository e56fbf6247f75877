; %srem_m1 (45 bytes)
  0: mov ecx,0xFFFFFFFF
  6: mov rax,rdi
  9: test ecx,ecx
  c: je 0x2B
  12: cmp ecx,0xFFFFFFFF
  16: jne 0x23
  1c: xor edx,edx
  1e: jmp 0x27
  23: cdq
  24: idiv ecx
  27: mov rax,rdx
  2a: ret
  2b: ud2
; trap at 2b: IntegerDivideByZero, no frame
