; %trunc (112 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  9: cmp rsp,[r11]
  c: jb 0x53
  12: sub rsp,8
  16: cvttsd2si eax,xmm0
  1b: cmp eax,1
  1f: jno 0x4E
  25: ucomisd xmm0,xmm0
  2a: jp 0x55
  30: ucomisd xmm0,[0x60]
  39: jbe 0x57
  3f: ucomisd xmm0,[0x68]
  48: jae 0x57
  4e: mov rsp,rbp
  51: pop rbp
  52: ret
  53: ud2
  55: ud2
  57: ud2
  59: .bytes cc cc cc cc cc cc cc
  60: .bytes 00 00 20 00 00 00 e0 c1
  68: .bytes 00 00 00 00 00 00 e0 41
; trap at 53: StackOverflow
; trap at 55: BadConversionToInteger
; trap at 57: IntegerOverflow
