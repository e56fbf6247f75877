function %mark:
  0: cmp edi,0x3E8
  7: jbe 0x11
  d: xor eax,eax
  10: ret
  11: push rbp
  12: mov rbp,rsp
  15: mov r11,[r14]
  18: cmp rsp,[r11]
  1b: jb 0x84
  21: sub rsp,0x10
  25: test edi,edi
  28: jne 0x36
  2e: xor eax,eax
  31: mov rsp,rbp
  34: pop rbp
  35: ret
  36: mov rax,rdi
  39: shl eax,1
  3d: jmp short 0x50
  3f: nop [rax+rax]
  48: nop [rax+rax]
  50: mov byte ptr [r15+rax+0x400],1
  59: add eax,edi
  5c: cmp eax,0x7D1
  63: jb short 0x50
  65: lea eax,[rdi+rdi*2]
  6a: movzx eax,byte ptr [r15+rax+0x400]
  73: movzx ecx,byte ptr [r15+rdi*2+0x401]
  7c: add eax,ecx
  7f: mov rsp,rbp
  82: pop rbp
  83: ret
  84: ud2

