; %trunc (64 bytes)
  0: cvttsd2si eax,xmm0
  5: cmp eax,1
  9: jno short 0x28
  b: ucomisd xmm0,xmm0
  10: jp short 0x29
  12: ucomisd xmm0,[0x30]
  1b: jbe short 0x2B
  1d: ucomisd xmm0,[0x38]
  26: jae short 0x2B
  28: ret
  29: ud2
  2b: ud2
  2d: .bytes cc cc cc
  30: .bytes 00 00 20 00 00 00 e0 c1
  38: .bytes 00 00 00 00 00 00 e0 41
; trap at 29: BadConversionToInteger, no frame
; trap at 2b: IntegerOverflow, no frame
