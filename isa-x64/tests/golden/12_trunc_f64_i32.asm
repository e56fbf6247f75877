; %trunc (132 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x7E
  1e: sub rsp,8
  25: cvttsd2si ecx,xmm0
  2a: cmp ecx,1
  31: jno 0x76
  37: ucomisd xmm0,xmm0
  3c: jp 0x80
  42: mov rax,0xC1E0000000200000
  4c: movq xmm1,rax
  51: ucomisd xmm0,xmm1
  56: jbe 0x82
  5c: mov rax,0x41E0000000000000
  66: movq xmm1,rax
  6b: ucomisd xmm0,xmm1
  70: jae 0x82
  76: mov rax,rcx
  79: mov rsp,rbp
  7c: pop rbp
  7d: ret
  7e: ud2
  80: ud2
  82: ud2
; trap at 7e: StackOverflow
; trap at 80: BadConversionToInteger
; trap at 82: IntegerOverflow
