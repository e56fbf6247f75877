; %consts (74 bytes)
  0: mov rax,0xCCCCCCCCCCCCCCCD
  a: mul rdi
  d: shr rdx,3
  11: imul rdx,0xA
  15: mov rcx,rdi
  18: sub rcx,rdx
  1b: mov eax,esi
  1e: and eax,0xF
  22: mov esi,eax
  25: mov rax,rcx
  28: sar rax,0x3F
  2c: shr rax,0x3E
  30: add rax,rcx
  33: sar rax,2
  37: neg rax
  3a: mov rcx,rax
  3d: mov rax,rcx
  40: shl rax,3
  44: lea edx,[rsi+rsi*8]
  49: ret
