; %br_table (156 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x8B
  10: sub rsp,0x10
  14: cmp edi,2
  18: jae 0x80
  1e: lea r10,[0x90]
  25: movsxd r11,[r10+rdi*4]
  2a: add r11,r10
  2d: jmp r11
  30: nop [rax+rax]
  39: nop [rax]
  40: mov eax,0xA
  46: mov rsp,rbp
  49: pop rbp
  4a: ret
  4b: nop [rax+rax]
  54: nop [rax+rax]
  5d: nop [rax]
  60: mov eax,0x14
  66: mov rsp,rbp
  69: pop rbp
  6a: ret
  6b: nop [rax+rax]
  74: nop [rax+rax]
  7d: nop [rax]
  80: mov eax,0x1E
  86: mov rsp,rbp
  89: pop rbp
  8a: ret
  8b: ud2
  8d: .bytes cc cc cc
  90: .bytes b0 ff ff ff d0 ff ff ff
  98: .bytes f0 ff ff ff
; trap at 8b: StackOverflow
