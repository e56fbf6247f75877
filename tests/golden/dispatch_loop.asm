function %ext:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x36
  10: sub rsp,0x10
  14: cmp edi,2
  18: jb 0x2E
  1e: shr edi,1
  22: call qword ptr [r14+0x80]
  29: lea edi,[rax+1]
  2e: mov rax,rdi
  31: mov rsp,rbp
  34: pop rbp
  35: ret
  36: ud2

function %run:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x15D
  10: sub rsp,0x30
  14: mov [rbp-0x10],rbx
  18: mov [rbp-0x18],r12
  1c: mov [rbp-0x20],r13
  20: mov rbx,rsi
  23: lea r12,[0x164]
  2a: mov eax,0x1000
  30: xor ecx,ecx
  33: movzx edx,byte ptr [r15+rdi]
  38: lea r13d,[rdi+1]
  3d: cmp edx,5
  41: jae 0x140
  47: movsxd r11,[r12+rdx*4]
  4c: add r11,r12
  4f: jmp r11
  52: nop [rax+rax]
  5b: nop [rax+rax]
  60: add ecx,1
  64: mov rdi,r13
  67: jmp short 0x33
  69: nop [rax+rax]
  72: nop [rax+rax]
  7b: nop [rax+rax]
  80: add eax,0xFFFFFFFC
  84: lea edx,[rbx+rax]
  89: add ecx,[r15+rdx]
  8d: mov rsi,rax
  90: mov rdi,r13
  93: jmp short 0x33
  95: nop [rax+rax]
  9e: xchg ax,ax
  a0: mov rsi,rax
  a3: lea eax,[rbx+rsi]
  a8: mov [r15+rax],ecx
  ac: add esi,4
  b0: mov rax,rsi
  b3: mov rdi,r13
  b6: jmp 0x33
  bb: nop [rax+rax]
  c0: mov rsi,rax
  c3: mov rdi,r13
  c6: or edi,1
  ca: mov rax,rcx
  cd: test edi,edi
  d0: je 0x15F
  d6: xor edx,edx
  d8: div edi
  db: mov rcx,rax
  de: mov rax,rsi
  e1: mov rdi,r13
  e4: jmp 0x33
  e9: nop [rax+rax]
  f2: nop [rax+rax]
  fb: nop [rax+rax]
  100: mov rsi,rax
  103: cmp ecx,2
  107: jae 0x116
  10d: mov [rbp-0x30],rsi
  111: jmp 0x12D
  116: mov rdi,rcx
  119: shr edi,1
  11d: mov [rbp-0x30],rsi
  121: call qword ptr [r14+0x80]
  128: lea ecx,[rax+1]
  12d: mov rax,[rbp-0x30]
  131: mov rdi,r13
  134: jmp 0x33
  139: nop [rax]
  140: mov [rbp-0x30],rax
  144: mov eax,ecx
  147: add eax,[rbp-0x30]
  14c: mov rbx,[rbp-0x10]
  150: mov r12,[rbp-0x18]
  154: mov r13,[rbp-0x20]
  158: mov rsp,rbp
  15b: pop rbp
  15c: ret
  15d: ud2
  15f: ud2
  161: .bytes cc cc cc fc fe ff ff
  168: .bytes 1c ff ff ff 3c ff ff ff
  170: .bytes 5c ff ff ff 9c ff ff ff
  178: .bytes dc ff ff ff

