; %fcmp_brif (113 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x6F
  12: sub rsp,8
  16: ucomisd xmm0,xmm1
  1b: jp 0x32
  21: jne 0x32
  27: mov eax,1
  2d: mov rsp,rbp
  30: pop rbp
  31: ret
  32: ucomisd xmm0,xmm1
  37: jp 0x43
  3d: je 0x4E
  43: mov eax,2
  49: mov rsp,rbp
  4c: pop rbp
  4d: ret
  4e: ucomisd xmm1,xmm0
  53: jbe 0x64
  59: mov eax,3
  5f: mov rsp,rbp
  62: pop rbp
  63: ret
  64: mov eax,4
  6a: mov rsp,rbp
  6d: pop rbp
  6e: ret
  6f: ud2
; trap at 6f: StackOverflow
