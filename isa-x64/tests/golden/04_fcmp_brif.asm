; %fcmp_brif (107 bytes)
  0: ucomisd xmm0,xmm1
  5: jp 0x18
  b: jne 0x18
  11: mov eax,1
  17: ret
  18: push rbp
  19: mov rbp,rsp
  1c: mov r11,[r14]
  1f: cmp rsp,[r11]
  22: jb 0x69
  28: sub rsp,0x10
  2c: ucomisd xmm0,xmm1
  31: jp 0x3D
  37: je 0x48
  3d: mov eax,2
  43: mov rsp,rbp
  46: pop rbp
  47: ret
  48: ucomisd xmm1,xmm0
  4d: jbe 0x5E
  53: mov eax,3
  59: mov rsp,rbp
  5c: pop rbp
  5d: ret
  5e: mov eax,4
  64: mov rsp,rbp
  67: pop rbp
  68: ret
  69: ud2
; trap at 69: StackOverflow
