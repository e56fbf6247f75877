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
  a: jb 0x134
  10: sub rsp,0x30
  14: mov [rbp-0x10],rbx
  18: mov [rbp-0x18],r12
  1c: mov [rbp-0x20],r13
  20: mov rbx,rsi
  23: mov [rbp-0x30],rbx
  27: lea r12,[0x138]
  2e: mov r13d,0x1000
  34: xor eax,eax
  37: movzx ecx,byte ptr [r15+rdi]
  3c: add edi,1
  40: cmp ecx,5
  44: jae 0x120
  4a: movsxd r11,[r12+rcx*4]
  4f: add r11,r12
  52: jmp r11
  55: nop [rax+rax]
  5e: xchg ax,ax
  60: add eax,1
  64: jmp short 0x37
  66: nop [rax+rax]
  6f: nop [rax+rax]
  78: nop [rax+rax]
  80: add r13d,0xFFFFFFFC
  84: lea ecx,[rbx+r13]
  89: add eax,[r15+rcx]
  8d: jmp short 0x37
  8f: nop [rax+rax]
  98: nop [rax+rax]
  a0: lea ecx,[rbx+r13]
  a5: mov [r15+rcx],eax
  a9: add r13d,4
  ad: jmp short 0x37
  af: nop [rax+rax]
  b8: nop [rax+rax]
  c0: mov rcx,rdi
  c3: or ecx,1
  c7: test ecx,ecx
  ca: je 0x136
  d0: xor edx,edx
  d2: div ecx
  d5: jmp 0x37
  da: nop [rax+rax]
  e0: cmp eax,2
  e4: jae short 0xEB
  e6: mov rbx,rdi
  e9: jmp short 0x100
  eb: shr eax,1
  ef: mov rbx,rdi
  f2: mov rdi,rax
  f5: call qword ptr [r14+0x80]
  fc: add eax,1
  100: mov rdi,rbx
  103: mov rbx,[rbp-0x30]
  107: jmp 0x37
  10c: nop [rax+rax]
  115: nop [rax+rax]
  11e: xchg ax,ax
  120: add eax,r13d
  123: mov rbx,[rbp-0x10]
  127: mov r12,[rbp-0x18]
  12b: mov r13,[rbp-0x20]
  12f: mov rsp,rbp
  132: pop rbp
  133: ret
  134: ud2
  136: ud2
  138: .bytes 28 ff ff ff 48 ff ff ff
  140: .bytes 68 ff ff ff 88 ff ff ff
  148: .bytes a8 ff ff ff e8 ff ff ff

