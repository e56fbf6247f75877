; %trunc (104 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x51
  10: sub rsp,0x10
  14: cvttsd2si eax,xmm0
  19: cmp eax,1
  1d: jno 0x4C
  23: ucomisd xmm0,xmm0
  28: jp 0x53
  2e: ucomisd xmm0,[0x58]
  37: jbe 0x55
  3d: ucomisd xmm0,[0x60]
  46: jae 0x55
  4c: mov rsp,rbp
  4f: pop rbp
  50: ret
  51: ud2
  53: ud2
  55: ud2
  57: .bytes cc
  58: .bytes 00 00 20 00 00 00 e0 c1
  60: .bytes 00 00 00 00 00 00 e0 41
; trap at 51: StackOverflow
; trap at 53: BadConversionToInteger
; trap at 55: IntegerOverflow
