; %sdiv7 (64 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x3E
  10: sub rsp,0x10
  14: movsxd rax,edi
  17: imul rax,0xFFFFFFFF92492493
  1e: sar rax,0x20
  22: add eax,edi
  25: sar eax,2
  29: mov ecx,eax
  2c: shr ecx,0x1F
  30: add eax,ecx
  33: mov edx,eax
  36: mov rax,rdx
  39: mov rsp,rbp
  3c: pop rbp
  3d: ret
  3e: ud2
; trap at 3e: StackOverflow
