;; A loop over an array of records { f64 x; f64 v; } (16 bytes each) through
;; a pointer to the record's end, the form clang's loop strength reduction
;; gives C code that walks structs (nbody's bodies): the fields are at
;; p - 16 and p - 8. Heap addresses are `p + c` with `c` negative, computed
;; modulo 2^32; strata's memories end at least 64 KiB below 4 GiB and have a
;; 64 KiB guard below their base, so where `p + c` would wrap the access is
;; out of bounds in Wasm and faults in the guard: the constant goes into the
;; addressing mode ([r15 + p - 0x10]) instead of an `lea` per field, also
;; for the `v += x * dt` whose load and store share the address.
;; step(n) advances n records from 0x400 by dt = 0.5 and returns the sum of
;; their x.
(module
  (memory 1)
  (func (export "step") (param $n i32) (result f64)
    (local $p i32) (local $end i32) (local $sum f64) (local $v i32)
    (local.set $p (i32.const 0x410))
    (local.set $end (i32.add (i32.const 0x410) (i32.shl (local.get $n) (i32.const 4))))
    ;; x = i, v = 1 for record i
    (block $init_done
      (loop $init
        (br_if $init_done (i32.ge_u (local.get $p) (local.get $end)))
        (f64.store (i32.add (local.get $p) (i32.const -16))
          (f64.convert_i32_u (i32.shr_u (i32.sub (local.get $p) (i32.const 0x410)) (i32.const 4))))
        (f64.store (i32.add (local.get $p) (i32.const -8)) (f64.const 1))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $init)))
    (local.set $p (i32.const 0x410))
    (block $done
      (loop $walk
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (i32.add (local.get $p) (i32.const -8)))
        ;; v += x * 0.5; x += v * 0.5
        (f64.store (local.get $v)
          (f64.add (f64.load (local.get $v))
            (f64.mul (f64.load (i32.add (local.get $p) (i32.const -16))) (f64.const 0.5))))
        (f64.store (i32.add (local.get $p) (i32.const -16))
          (f64.add (f64.load (i32.add (local.get $p) (i32.const -16)))
            (f64.mul (f64.load (local.get $v)) (f64.const 0.5))))
        (local.set $sum (f64.add (local.get $sum) (f64.load (i32.add (local.get $p) (i32.const -16)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $walk)))
    (local.get $sum)))
