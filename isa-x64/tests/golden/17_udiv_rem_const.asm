; %consts (100 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x62
  10: sub rsp,0x10
  14: mov rax,0xCCCCCCCCCCCCCCCD
  1e: mul rdi
  21: shr rdx,3
  25: imul rdx,0xA
  29: mov rcx,rdi
  2c: sub rcx,rdx
  2f: mov eax,esi
  32: and eax,0xF
  36: mov esi,eax
  39: mov rax,rcx
  3c: sar rax,0x3F
  40: shr rax,0x3E
  44: add rax,rcx
  47: sar rax,2
  4b: neg rax
  4e: mov rcx,rax
  51: mov rax,rcx
  54: shl rax,3
  58: lea edx,[rsi+rsi*8]
  5d: mov rsp,rbp
  60: pop rbp
  61: ret
  62: ud2
; trap at 62: StackOverflow
