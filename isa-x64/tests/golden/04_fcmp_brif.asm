; %fcmp_brif (118 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x74
  17: sub rsp,8
  1b: ucomisd xmm0,xmm1
  20: jp 0x37
  26: jne 0x37
  2c: mov eax,1
  32: mov rsp,rbp
  35: pop rbp
  36: ret
  37: ucomisd xmm0,xmm1
  3c: jp 0x48
  42: je 0x53
  48: mov eax,2
  4e: mov rsp,rbp
  51: pop rbp
  52: ret
  53: ucomisd xmm1,xmm0
  58: jbe 0x69
  5e: mov eax,3
  64: mov rsp,rbp
  67: pop rbp
  68: ret
  69: mov eax,4
  6f: mov rsp,rbp
  72: pop rbp
  73: ret
  74: ud2
; trap at 74: StackOverflow
