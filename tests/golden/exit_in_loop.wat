;; A loop with a way out between its test and its latch, the shape clang
;; gives a loop with an early `return` (benches/kernels sieve): in Wasm
;; order the exit path sits inside the loop. Counts the nonzero bytes of
;; memory[0..n), or returns -1 at the first byte 255.
(module
  (memory (export "mem") 1)
  (func (export "count") (param $n i32) (result i32)
    (local $i i32) (local $c i32) (local $b i32)
    (loop $l
      (block $next
        (br_if $next
          (i32.ne (local.tee $b (i32.load8_u (local.get $i))) (i32.const 255)))
        (return (i32.const -1)))
      (local.set $c (i32.add (local.get $c) (i32.ne (local.get $b) (i32.const 0))))
      (br_if $l
        (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $c)))
