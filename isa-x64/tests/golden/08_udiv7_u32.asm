; %udiv7 (69 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x43
  12: sub rsp,8
  16: mov eax,edi
  19: mov ecx,0x24924925
  1f: imul rax,rcx
  23: shr rax,0x20
  27: mov ecx,edi
  2a: sub ecx,eax
  2d: shr ecx,1
  31: add ecx,eax
  34: shr ecx,2
  38: mov edx,ecx
  3b: mov rax,rdx
  3e: mov rsp,rbp
  41: pop rbp
  42: ret
  43: ud2
; trap at 43: StackOverflow
