; %icmp_brif (34 bytes)
  0: cmp edi,esi
  3: jge 0x10
  9: mov eax,1
  f: ret
  10: cmp edi,0xA
  14: jbe 0x1E
  1a: mov rax,rdi
  1d: ret
  1e: mov rax,rsi
  21: ret
