; %heap (98 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: lea r10,[rsp-8]
  e: cmp r10,[r11]
  11: jb 0x60
  17: sub rsp,8
  1b: movsx eax,byte ptr [r15+rdi+1]
  21: movzx ecx,word ptr [r15+rdi+2]
  27: mov rdx,[r15+rdi+8]
  2c: movsd xmm0,[r15+rdi+0x10]
  33: mov [r15+rdi+0x18],al
  38: mov [r15+rdi+0x1A],cx
  3e: mov [r15+rdi+0x20],rdx
  43: movsd [r15+rdi+0x28],xmm0
  4a: mov [r15+rdi+0x30],esi
  4f: mov dword ptr [r15+rdi+0x34],0xFFFFFFFF
  58: add eax,ecx
  5b: mov rsp,rbp
  5e: pop rbp
  5f: ret
  60: ud2
; trap at 1b: MemoryOutOfBounds
; trap at 21: MemoryOutOfBounds
; trap at 27: MemoryOutOfBounds
; trap at 2c: MemoryOutOfBounds
; trap at 33: MemoryOutOfBounds
; trap at 38: MemoryOutOfBounds
; trap at 3e: MemoryOutOfBounds
; trap at 43: MemoryOutOfBounds
; trap at 4a: MemoryOutOfBounds
; trap at 4f: MemoryOutOfBounds
; trap at 60: StackOverflow
