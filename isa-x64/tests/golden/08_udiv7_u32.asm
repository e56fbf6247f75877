; %udiv7 (84 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x52
  1e: sub rsp,8
  25: mov eax,edi
  28: mov ecx,0x24924925
  2e: imul rax,rcx
  32: shr rax,0x20
  36: mov ecx,edi
  39: sub ecx,eax
  3c: shr ecx,1
  40: add ecx,eax
  43: shr ecx,2
  47: mov edx,ecx
  4a: mov rax,rdx
  4d: mov rsp,rbp
  50: pop rbp
  51: ret
  52: ud2
; trap at 52: StackOverflow
