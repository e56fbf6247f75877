function %scan:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x65
  1e: sub rsp,8
  25: xor eax,eax
  28: nop [rax+rax]
  31: nop [rax+rax]
  3a: nop [rax+rax]
  40: movzx ecx,byte ptr [r15+rax+0x400]
  49: add eax,1
  50: cmp ecx,edi
  53: jb 0x40
  59: add eax,0xFFFFFFFF
  60: mov rsp,rbp
  63: pop rbp
  64: ret
  65: ud2

