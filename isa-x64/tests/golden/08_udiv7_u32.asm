; %udiv7 (67 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x41
  10: sub rsp,0x10
  14: mov eax,edi
  17: mov ecx,0x24924925
  1d: imul rax,rcx
  21: shr rax,0x20
  25: mov ecx,edi
  28: sub ecx,eax
  2b: shr ecx,1
  2f: add ecx,eax
  32: shr ecx,2
  36: mov edx,ecx
  39: mov rax,rdx
  3c: mov rsp,rbp
  3f: pop rbp
  40: ret
  41: ud2
; trap at 41: StackOverflow
