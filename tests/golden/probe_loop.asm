function %probe:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x84
  12: sub rsp,8
  16: imul eax,edi,0x9E37
  1d: and eax,0x3FF
  24: jmp short 0x50
  26: nop [rax+rax]
  2f: nop [rax+rax]
  38: nop [rax+rax]
  41: nop [rax+rax]
  4a: nop [rax+rax]
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

