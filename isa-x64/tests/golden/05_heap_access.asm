; %heap (93 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x5B
  12: sub rsp,8
  16: movsx eax,byte ptr [r15+rdi+1]
  1c: movzx ecx,word ptr [r15+rdi+2]
  22: mov rdx,[r15+rdi+8]
  27: movsd xmm0,[r15+rdi+0x10]
  2e: mov [r15+rdi+0x18],al
  33: mov [r15+rdi+0x1A],cx
  39: mov [r15+rdi+0x20],rdx
  3e: movsd [r15+rdi+0x28],xmm0
  45: mov [r15+rdi+0x30],esi
  4a: mov dword ptr [r15+rdi+0x34],0xFFFFFFFF
  53: add eax,ecx
  56: mov rsp,rbp
  59: pop rbp
  5a: ret
  5b: ud2
; trap at 16: MemoryOutOfBounds
; trap at 1c: MemoryOutOfBounds
; trap at 22: MemoryOutOfBounds
; trap at 27: MemoryOutOfBounds
; trap at 2e: MemoryOutOfBounds
; trap at 33: MemoryOutOfBounds
; trap at 39: MemoryOutOfBounds
; trap at 3e: MemoryOutOfBounds
; trap at 45: MemoryOutOfBounds
; trap at 4a: MemoryOutOfBounds
; trap at 5b: StackOverflow
