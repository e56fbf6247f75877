; %srem_m1 (34 bytes)
  0: mov ecx,0xFFFFFFFF
  6: mov rax,rdi
  9: test ecx,ecx
  c: je short 0x20
  e: cmp ecx,0xFFFFFFFF
  12: jne short 0x18
  14: xor edx,edx
  16: jmp short 0x1C
  18: cdq
  19: idiv ecx
  1c: mov rax,rdx
  1f: ret
  20: ud2
; trap at 20: IntegerDivideByZero, no frame
