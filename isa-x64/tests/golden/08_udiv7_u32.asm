; %udiv7 (74 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x48
  17: sub rsp,8
  1b: mov eax,edi
  1e: mov ecx,0x24924925
  24: imul rax,rcx
  28: shr rax,0x20
  2c: mov ecx,edi
  2f: sub ecx,eax
  32: shr ecx,1
  36: add ecx,eax
  39: shr ecx,2
  3d: mov edx,ecx
  40: mov rax,rdx
  43: mov rsp,rbp
  46: pop rbp
  47: ret
  48: ud2
; trap at 48: StackOverflow
