; %fcmp_brif (111 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x6D
  10: sub rsp,0x10
  14: ucomisd xmm0,xmm1
  19: jp 0x30
  1f: jne 0x30
  25: mov eax,1
  2b: mov rsp,rbp
  2e: pop rbp
  2f: ret
  30: ucomisd xmm0,xmm1
  35: jp 0x41
  3b: je 0x4C
  41: mov eax,2
  47: mov rsp,rbp
  4a: pop rbp
  4b: ret
  4c: ucomisd xmm1,xmm0
  51: jbe 0x62
  57: mov eax,3
  5d: mov rsp,rbp
  60: pop rbp
  61: ret
  62: mov eax,4
  68: mov rsp,rbp
  6b: pop rbp
  6c: ret
  6d: ud2
; trap at 6d: StackOverflow
