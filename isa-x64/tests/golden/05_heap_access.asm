; %heap (91 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x59
  10: sub rsp,0x10
  14: movsx eax,byte ptr [r15+rdi+1]
  1a: movzx ecx,word ptr [r15+rdi+2]
  20: mov rdx,[r15+rdi+8]
  25: movsd xmm0,[r15+rdi+0x10]
  2c: mov [r15+rdi+0x18],al
  31: mov [r15+rdi+0x1A],cx
  37: mov [r15+rdi+0x20],rdx
  3c: movsd [r15+rdi+0x28],xmm0
  43: mov [r15+rdi+0x30],esi
  48: mov dword ptr [r15+rdi+0x34],0xFFFFFFFF
  51: add eax,ecx
  54: mov rsp,rbp
  57: pop rbp
  58: ret
  59: ud2
; trap at 14: MemoryOutOfBounds
; trap at 1a: MemoryOutOfBounds
; trap at 20: MemoryOutOfBounds
; trap at 25: MemoryOutOfBounds
; trap at 2c: MemoryOutOfBounds
; trap at 31: MemoryOutOfBounds
; trap at 37: MemoryOutOfBounds
; trap at 3c: MemoryOutOfBounds
; trap at 43: MemoryOutOfBounds
; trap at 48: MemoryOutOfBounds
; trap at 59: StackOverflow
