; %heap (138 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x88
  1e: sub rsp,8
  25: movsx eax,byte ptr [r15+rdi+1]
  2e: movzx ecx,word ptr [r15+rdi+2]
  37: mov rdx,[r15+rdi+8]
  3f: movsd xmm0,[r15+rdi+0x10]
  49: mov [r15+rdi+0x18],al
  51: mov [r15+rdi+0x1A],cx
  5a: mov [r15+rdi+0x20],rdx
  62: movsd [r15+rdi+0x28],xmm0
  6c: mov [r15+rdi+0x30],esi
  74: mov dword ptr [r15+rdi+0x34],0xFFFFFFFF
  80: add eax,ecx
  83: mov rsp,rbp
  86: pop rbp
  87: ret
  88: ud2
; trap at 25: MemoryOutOfBounds
; trap at 2e: MemoryOutOfBounds
; trap at 37: MemoryOutOfBounds
; trap at 3f: MemoryOutOfBounds
; trap at 49: MemoryOutOfBounds
; trap at 51: MemoryOutOfBounds
; trap at 5a: MemoryOutOfBounds
; trap at 62: MemoryOutOfBounds
; trap at 6c: MemoryOutOfBounds
; trap at 74: MemoryOutOfBounds
; trap at 88: StackOverflow
