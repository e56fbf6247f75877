function %crc:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x80
  10: sub rsp,0x10
  14: xor eax,eax
  17: xor ecx,ecx
  1a: jmp short 0x50
  1c: nop [rax+rax]
  25: nop [rax+rax]
  2e: nop [rax+rax]
  37: nop [rax+rax]
  40: nop [rax+rax]
  49: nop [rax]
  50: cmp ecx,edi
  53: jae 0x7B
  59: movzx edx,byte ptr [r15+rcx+0x100]
  62: xor edx,eax
  65: movzx edx,dl
  69: shr eax,8
  6d: xor eax,[r15+rdx*4+0x400]
  75: add ecx,1
  79: jmp short 0x50
  7b: mov rsp,rbp
  7e: pop rbp
  7f: ret
  80: ud2

