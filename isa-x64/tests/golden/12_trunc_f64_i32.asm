; %trunc (80 bytes)
  0: cvttsd2si eax,xmm0
  5: cmp eax,1
  9: jno 0x38
  f: ucomisd xmm0,xmm0
  14: jp 0x39
  1a: ucomisd xmm0,[0x40]
  23: jbe 0x3B
  29: ucomisd xmm0,[0x48]
  32: jae 0x3B
  38: ret
  39: ud2
  3b: ud2
  3d: .bytes cc cc cc
  40: .bytes 00 00 20 00 00 00 e0 c1
  48: .bytes 00 00 00 00 00 00 e0 41
; trap at 39: BadConversionToInteger, no frame
; trap at 3b: IntegerOverflow, no frame
