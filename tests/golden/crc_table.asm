function %crc:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x80
  12: sub rsp,8
  16: xor eax,eax
  19: xor ecx,ecx
  1c: jmp short 0x50
  1e: nop [rax+rax]
  27: nop [rax+rax]
  30: nop [rax+rax]
  39: nop [rax+rax]
  42: nop [rax+rax]
  4b: nop [rax+rax]
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

