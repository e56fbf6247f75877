; %sdiv7 (81 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x4F
  1e: sub rsp,8
  25: movsxd rax,edi
  28: imul rax,0xFFFFFFFF92492493
  2f: sar rax,0x20
  33: add eax,edi
  36: sar eax,2
  3a: mov ecx,eax
  3d: shr ecx,0x1F
  41: add eax,ecx
  44: mov edx,eax
  47: mov rax,rdx
  4a: mov rsp,rbp
  4d: pop rbp
  4e: ret
  4f: ud2
; trap at 4f: StackOverflow
