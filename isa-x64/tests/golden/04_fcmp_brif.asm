; %fcmp_brif (73 bytes)
  0: ucomisd xmm0,xmm1
  5: jp 0x18
  b: jne 0x18
  11: mov eax,1
  17: ret
  18: ucomisd xmm0,xmm1
  1d: jp 0x29
  23: je 0x30
  29: mov eax,2
  2f: ret
  30: ucomisd xmm1,xmm0
  35: jbe 0x42
  3b: mov eax,3
  41: ret
  42: mov eax,4
  48: ret
