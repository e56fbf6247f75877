; %br_table (188 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0xAB
  1e: sub rsp,8
  25: mov eax,2
  2b: cmp edi,eax
  2e: cmovb eax,edi
  32: lea rcx,[0xB0]
  39: movsxd rax,[rcx+rax*4]
  3e: add rax,rcx
  41: jmp rax
  44: nop [rax+rax]
  4d: nop [rax+rax]
  56: nop [rax+rax]
  5f: nop
  60: mov eax,0xA
  66: mov rsp,rbp
  69: pop rbp
  6a: ret
  6b: nop [rax+rax]
  74: nop [rax+rax]
  7d: nop [rax]
  80: mov eax,0x14
  86: mov rsp,rbp
  89: pop rbp
  8a: ret
  8b: nop [rax+rax]
  94: nop [rax+rax]
  9d: nop [rax]
  a0: mov eax,0x1E
  a6: mov rsp,rbp
  a9: pop rbp
  aa: ret
  ab: ud2
  ad: .bytes cc cc cc
  b0: .bytes b0 ff ff ff d0 ff ff ff
  b8: .bytes f0 ff ff ff
; trap at ab: StackOverflow
