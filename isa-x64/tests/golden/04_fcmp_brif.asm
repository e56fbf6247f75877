; %fcmp_brif (128 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x7E
  1e: sub rsp,8
  25: ucomisd xmm0,xmm1
  2a: jp 0x41
  30: jne 0x41
  36: mov eax,1
  3c: mov rsp,rbp
  3f: pop rbp
  40: ret
  41: ucomisd xmm0,xmm1
  46: jp 0x52
  4c: je 0x5D
  52: mov eax,2
  58: mov rsp,rbp
  5b: pop rbp
  5c: ret
  5d: ucomisd xmm1,xmm0
  62: jbe 0x73
  68: mov eax,3
  6e: mov rsp,rbp
  71: pop rbp
  72: ret
  73: mov eax,4
  79: mov rsp,rbp
  7c: pop rbp
  7d: ret
  7e: ud2
; trap at 7e: StackOverflow
