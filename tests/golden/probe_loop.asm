function %probe:
  0: imul eax,edi,0x9E37
  7: and eax,0x3FF
  e: xchg ax,ax
  10: mov ecx,[r15+rax*4+0x1000]
  18: cmp ecx,edi
  1b: je short 0x2F
  1d: test ecx,ecx
  20: je short 0x2F
  22: add eax,1
  26: and eax,0x3FF
  2d: jmp short 0x10
  2f: mov [r15+rax*4+0x1000],edi
  37: ret

