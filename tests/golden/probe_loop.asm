function %probe:
  0: imul eax,edi,0x9E37
  7: and eax,0x3FF
  e: xchg ax,ax
  10: mov ecx,[r15+rax*4+0x1000]
  18: cmp ecx,edi
  1b: je 0x37
  21: test ecx,ecx
  24: je 0x37
  2a: add eax,1
  2e: and eax,0x3FF
  35: jmp short 0x10
  37: mov [r15+rax*4+0x1000],edi
  3f: ret

