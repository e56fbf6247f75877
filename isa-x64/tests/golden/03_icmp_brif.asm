; %icmp_brif (26 bytes)
  0: cmp edi,esi
  3: jge short 0xC
  5: mov eax,1
  b: ret
  c: cmp edi,0xA
  10: jbe short 0x16
  12: mov rax,rdi
  15: ret
  16: mov rax,rsi
  19: ret
