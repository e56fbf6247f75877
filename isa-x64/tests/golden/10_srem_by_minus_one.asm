; %srem_m1 (78 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x4A
  17: sub rsp,8
  1b: mov ecx,0xFFFFFFFF
  21: mov rax,rdi
  24: test ecx,ecx
  27: je 0x4C
  2d: cmp ecx,0xFFFFFFFF
  31: jne 0x3E
  37: xor edx,edx
  39: jmp 0x42
  3e: cdq
  3f: idiv ecx
  42: mov rax,rdx
  45: mov rsp,rbp
  48: pop rbp
  49: ret
  4a: ud2
  4c: ud2
; trap at 4a: StackOverflow
; trap at 4c: IntegerDivideByZero
