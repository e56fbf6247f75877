;; The inner loop of a sieve (the form clang -O2 gives it):
;; for (j = 2 * i; j < 2001; j += i) mark[j] = 1, with mark at 0x400 and
;; i <= 1000 known from the guard. j stays below 2001 (the guard bounds its
;; first value, the loop's own test every later one), so `j + 0x400` cannot
;; wrap at 32 bits and the array's address goes into the store's addressing
;; mode ([r15 + j + 0x400]) instead of an `lea` every iteration.
(module
  (memory 1)
  (func $mark (export "mark") (param $i i32) (result i32) (local $j i32)
    (if (i32.gt_u (local.get $i) (i32.const 1000)) (then (return (i32.const 0))))
    (if (i32.eqz (local.get $i)) (then (return (i32.const 0))))
    (local.set $j (i32.shl (local.get $i) (i32.const 1)))
    (loop $next
      (i32.store8 (i32.add (local.get $j) (i32.const 0x400)) (i32.const 1))
      (local.set $j (i32.add (local.get $j) (local.get $i)))
      (br_if $next (i32.lt_u (local.get $j) (i32.const 2001))))
    ;; mark[3i] (set when 3i <= 2000) + mark[2i + 1] (set only for i = 1)
    (i32.add
      (i32.load8_u offset=0x400 (i32.mul (local.get $i) (i32.const 3)))
      (i32.load8_u offset=0x401 (i32.shl (local.get $i) (i32.const 1))))))
