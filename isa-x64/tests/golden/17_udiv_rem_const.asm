; %consts (107 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x69
  17: sub rsp,8
  1b: mov rax,0xCCCCCCCCCCCCCCCD
  25: mul rdi
  28: shr rdx,3
  2c: imul rdx,0xA
  30: mov rcx,rdi
  33: sub rcx,rdx
  36: mov eax,esi
  39: and eax,0xF
  3d: mov esi,eax
  40: mov rax,rcx
  43: sar rax,0x3F
  47: shr rax,0x3E
  4b: add rax,rcx
  4e: sar rax,2
  52: neg rax
  55: mov rcx,rax
  58: mov rax,rcx
  5b: shl rax,3
  5f: lea edx,[rsi+rsi*8]
  64: mov rsp,rbp
  67: pop rbp
  68: ret
  69: ud2
; trap at 69: StackOverflow
