; %sdiv7 (66 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x40
  12: sub rsp,8
  16: movsxd rax,edi
  19: imul rax,0xFFFFFFFF92492493
  20: sar rax,0x20
  24: add eax,edi
  27: sar eax,2
  2b: mov ecx,eax
  2e: shr ecx,0x1F
  32: add eax,ecx
  35: mov edx,eax
  38: mov rax,rdx
  3b: mov rsp,rbp
  3e: pop rbp
  3f: ret
  40: ud2
; trap at 40: StackOverflow
