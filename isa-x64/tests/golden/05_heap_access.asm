; %heap (65 bytes)
  0: movsx eax,byte ptr [r15+rdi+1]
  6: movzx ecx,word ptr [r15+rdi+2]
  c: mov rdx,[r15+rdi+8]
  11: movsd xmm0,[r15+rdi+0x10]
  18: mov [r15+rdi+0x18],al
  1d: mov [r15+rdi+0x1A],cx
  23: mov [r15+rdi+0x20],rdx
  28: movsd [r15+rdi+0x28],xmm0
  2f: mov [r15+rdi+0x30],esi
  34: mov dword ptr [r15+rdi+0x34],0xFFFFFFFF
  3d: add eax,ecx
  40: ret
; trap at 0: MemoryOutOfBounds, no frame
; trap at 6: MemoryOutOfBounds, no frame
; trap at c: MemoryOutOfBounds, no frame
; trap at 11: MemoryOutOfBounds, no frame
; trap at 18: MemoryOutOfBounds, no frame
; trap at 1d: MemoryOutOfBounds, no frame
; trap at 23: MemoryOutOfBounds, no frame
; trap at 28: MemoryOutOfBounds, no frame
; trap at 2f: MemoryOutOfBounds, no frame
; trap at 34: MemoryOutOfBounds, no frame
