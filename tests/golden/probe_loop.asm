function %probe:
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x74
  12: sub rsp,8
  16: imul eax,edi,0x9E37
  1d: and eax,0x3FF
  24: jmp short 0x40
  26: nop [rax+rax]
  2f: nop [rax+rax]
  38: nop [rax+rax]
  40: mov ecx,[r15+rax*4+0x1000]
  48: cmp ecx,edi
  4b: je 0x67
  51: test ecx,ecx
  54: je 0x67
  5a: add eax,1
  5e: and eax,0x3FF
  65: jmp short 0x40
  67: mov [r15+rax*4+0x1000],edi
  6f: mov rsp,rbp
  72: pop rbp
  73: ret
  74: ud2

