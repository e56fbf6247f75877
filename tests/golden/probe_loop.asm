function %probe:
  0: push rbp
  1: mov rbp,rsp
  4: mov r11,[r14]
  7: cmp rsp,[r11]
  a: jb 0x84
  10: sub rsp,0x10
  14: imul eax,edi,0x9E37
  1b: and eax,0x3FF
  22: jmp short 0x50
  24: nop [rax+rax]
  2d: nop [rax+rax]
  36: nop [rax+rax]
  3f: nop [rax+rax]
  48: nop [rax+rax]
  50: mov ecx,[r15+rax*4+0x1000]
  58: cmp ecx,edi
  5b: je 0x77
  61: test ecx,ecx
  64: je 0x77
  6a: add eax,1
  6e: and eax,0x3FF
  75: jmp short 0x50
  77: mov [r15+rax*4+0x1000],edi
  7f: mov rsp,rbp
  82: pop rbp
  83: ret
  84: ud2

