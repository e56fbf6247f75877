; %fcmp_brif (53 bytes)
  0: ucomisd xmm0,xmm1
  5: jp short 0x10
  7: jne short 0x10
  9: mov eax,1
  f: ret
  10: ucomisd xmm0,xmm1
  15: jp short 0x19
  17: je short 0x20
  19: mov eax,2
  1f: ret
  20: ucomisd xmm1,xmm0
  25: jbe short 0x2E
  27: mov eax,3
  2d: ret
  2e: mov eax,4
  34: ret
