function %ext:
  0: cmp edi,2
  4: jae short 0xA
  6: mov rax,rdi
  9: ret
  a: push rbp
  b: mov rbp,rsp
  e: mov r11,[r14]
  11: cmp rsp,[r11]
  14: jb 0x32
  1a: sub rsp,0x10
  1e: shr edi,1
  22: call qword ptr [r14+0x80]
  29: add eax,1
  2d: mov rsp,rbp
  30: pop rbp
  31: ret
  32: ud2

function %run:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x118
  10: sub rsp,0x30
  14: mov [rbp-0x10],rbx
  18: mov [rbp-0x18],r8
  1c: mov [rbp-0x20],r9
  20: mov [rbp-0x28],r12
  24: mov rbx,rsi
  27: lea r8,[0x11C]
  2e: mov r9d,0x1000
  34: xor eax,eax
  37: movzx ecx,byte ptr [r15+rdi]
  3c: lea r12d,[rdi+1]
  41: cmp ecx,5
  45: jae 0x100
  4b: movsxd r11,[r8+rcx*4]
  50: add r11,r8
  53: jmp r11
  56: nop [rax+rax]
  5f: nop
  60: add eax,1
  64: mov rdi,r12
  67: jmp short 0x37
  69: nop [rax+rax]
  72: nop [rax+rax]
  7b: nop [rax+rax]
  80: add r9d,0xFFFFFFFC
  84: lea ecx,[rbx+r9]
  89: add eax,[r15+rcx]
  8d: mov rdi,r12
  90: jmp short 0x37
  92: nop [rax+rax]
  9b: nop [rax+rax]
  a0: lea ecx,[rbx+r9]
  a5: mov [r15+rcx],eax
  a9: add r9d,4
  ad: mov rdi,r12
  b0: jmp short 0x37
  b2: nop [rax+rax]
  bb: nop [rax+rax]
  c0: mov rcx,r12
  c3: or ecx,1
  c7: test ecx,ecx
  ca: je 0x11A
  d0: xor edx,edx
  d2: div ecx
  d5: mov rdi,r12
  d8: jmp 0x37
  dd: nop [rax]
  e0: cmp eax,2
  e4: jb short 0xF8
  e6: mov rdi,rax
  e9: shr edi,1
  ed: call qword ptr [r14+0x80]
  f4: add eax,1
  f8: mov rdi,r12
  fb: jmp 0x37
  100: add eax,r9d
  103: mov rbx,[rbp-0x10]
  107: mov r8,[rbp-0x18]
  10b: mov r9,[rbp-0x20]
  10f: mov r12,[rbp-0x28]
  113: mov rsp,rbp
  116: pop rbp
  117: ret
  118: ud2
  11a: ud2
  11c: .bytes 44 ff ff ff
  120: .bytes 64 ff ff ff 84 ff ff ff
  128: .bytes a4 ff ff ff c4 ff ff ff
  130: .bytes e4 ff ff ff

