; %consts (123 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x79
  1e: sub rsp,8
  25: mov rax,0xCCCCCCCCCCCCCCCD
  2f: mul rdi
  32: shr rdx,3
  36: imul rdx,0xA
  3d: mov rcx,rdi
  40: sub rcx,rdx
  43: mov eax,esi
  46: and eax,0xF
  4d: mov esi,eax
  50: mov rax,rcx
  53: sar rax,0x3F
  57: shr rax,0x3E
  5b: add rax,rcx
  5e: sar rax,2
  62: neg rax
  65: mov rcx,rax
  68: mov rax,rcx
  6b: shl rax,3
  6f: lea edx,[rsi+rsi*8]
  74: mov rsp,rbp
  77: pop rbp
  78: ret
  79: ud2
; trap at 79: StackOverflow
