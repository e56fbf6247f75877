; %sdiv7 (71 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x45
  17: sub rsp,8
  1b: movsxd rax,edi
  1e: imul rax,0xFFFFFFFF92492493
  25: sar rax,0x20
  29: add eax,edi
  2c: sar eax,2
  30: mov ecx,eax
  33: shr ecx,0x1F
  37: add eax,ecx
  3a: mov edx,eax
  3d: mov rax,rdx
  40: mov rsp,rbp
  43: pop rbp
  44: ret
  45: ud2
; trap at 45: StackOverflow
