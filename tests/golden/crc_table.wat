;; Table-driven CRC-32 over a byte buffer (the form clang -O2 gives it):
;; crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8). The mask bounds the table
;; index to 0..255, so `index << 2` and `+ table` cannot wrap at 32 bits and
;; fold into the addressing mode ([r15 + index*4 + table]) of the load, which
;; folds into the xor; the mask of the low byte is one `movzx`.
(module
  (memory 1)
  ;; table at 0x400 (entries 0 to 3 set, the rest zero), buffer at 0x100.
  (data (i32.const 0x400) "\10\00\00\00\21\00\00\00\32\00\00\00\43\00\00\00")
  (data (i32.const 0x100) "\00\01\02")
  (func $crc (export "crc") (param $n i32) (result i32) (local $i i32) (local $c i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c
          (i32.xor
            (i32.load offset=0x400
              (i32.shl
                (i32.and
                  (i32.xor (local.get $c) (i32.load8_u offset=0x100 (local.get $i)))
                  (i32.const 0xff))
                (i32.const 2)))
            (i32.shr_u (local.get $c) (i32.const 8))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $c)))
