; %trunc (128 bytes)
  0: push rbp
  1: mov rbp,rsp
  4: push r14
  6: mov r11,[r14]
  d: lea r10,[rsp-8]
  15: cmp r10,[r11]
  18: jb 0x65
  1e: sub rsp,8
  25: cvttsd2si eax,xmm0
  2a: cmp eax,1
  31: jno 0x60
  37: ucomisd xmm0,xmm0
  3c: jp 0x67
  42: ucomisd xmm0,[0x70]
  4b: jbe 0x69
  51: ucomisd xmm0,[0x78]
  5a: jae 0x69
  60: mov rsp,rbp
  63: pop rbp
  64: ret
  65: ud2
  67: ud2
  69: ud2
  6b: .bytes cc cc cc cc cc
  70: .bytes 00 00 20 00 00 00 e0 c1
  78: .bytes 00 00 00 00 00 00 e0 41
; trap at 65: StackOverflow
; trap at 67: BadConversionToInteger
; trap at 69: IntegerOverflow
