;; A loop summing an i32 array (the form clang -O2 gives an indexed loop):
;; in the optimizing tier the load's index and constant offset fold into the
;; addressing mode ([r15 + index + 0x400], the guard region makes any check
;; unnecessary), the load folds into the add, and the counter and the sum
;; stay in registers: no spill or reload inside the loop.
(module
  (memory 1)
  (data (i32.const 1024) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\05\00\00\00")
  (func $sum (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s)
          (i32.load offset=1024 (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $s)))
