; %consts (102 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x64
  12: sub rsp,8
  16: mov rax,0xCCCCCCCCCCCCCCCD
  20: mul rdi
  23: shr rdx,3
  27: imul rdx,0xA
  2b: mov rcx,rdi
  2e: sub rcx,rdx
  31: mov eax,esi
  34: and eax,0xF
  38: mov esi,eax
  3b: mov rax,rcx
  3e: sar rax,0x3F
  42: shr rax,0x3E
  46: add rax,rcx
  49: sar rax,2
  4d: neg rax
  50: mov rcx,rax
  53: mov rax,rcx
  56: shl rax,3
  5a: lea edx,[rsi+rsi*8]
  5f: mov rsp,rbp
  62: pop rbp
  63: ret
  64: ud2
; trap at 64: StackOverflow
