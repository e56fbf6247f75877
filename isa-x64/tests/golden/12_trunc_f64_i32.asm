; %trunc (112 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x58
  17: sub rsp,8
  1b: cvttsd2si eax,xmm0
  20: cmp eax,1
  24: jno 0x53
  2a: ucomisd xmm0,xmm0
  2f: jp 0x5A
  35: ucomisd xmm0,[0x60]
  3e: jbe 0x5C
  44: ucomisd xmm0,[0x68]
  4d: jae 0x5C
  53: mov rsp,rbp
  56: pop rbp
  57: ret
  58: ud2
  5a: ud2
  5c: ud2
  5e: .bytes cc cc
  60: .bytes 00 00 20 00 00 00 e0 c1
  68: .bytes 00 00 00 00 00 00 e0 41
; trap at 58: StackOverflow
; trap at 5a: BadConversionToInteger
; trap at 5c: IntegerOverflow
