; %br_table (116 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x65
  1e: sub rsp,8
  25: mov eax,2
  2b: cmp edi,eax
  2e: cmovb eax,edi
  32: lea rcx,[0x68]
  39: movsxd rax,[rcx+rax*4]
  3e: add rax,rcx
  41: jmp rax
  44: mov eax,0xA
  4a: mov rsp,rbp
  4d: pop rbp
  4e: ret
  4f: mov eax,0x14
  55: mov rsp,rbp
  58: pop rbp
  59: ret
  5a: mov eax,0x1E
  60: mov rsp,rbp
  63: pop rbp
  64: ret
  65: ud2
  67: .bytes cc
  68: .bytes dc ff ff ff e7 ff ff ff
  70: .bytes f2 ff ff ff
; trap at 65: StackOverflow
