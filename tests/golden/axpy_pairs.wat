;; The inner loop of a matrix product as clang unrolls it by two
;; (c[j] += a * b[j]; c[j + 1] += a * b[j + 1]), through pointers to b and c
;; that step by 16 bytes: the second pair of elements is at p + 8. The
;; pointers come from the caller, so no range bounds them, but the loop
;; reads b[j] and c[j] at p first: strata's memories end 64 KiB short of
;; 4 GiB, so once an 8-byte access at p has run, p + 8 cannot wrap at 32
;; bits, and the constant goes into the addressing mode ([r15 + p + 8]).
;; No `lea` in the loop; the load and store of c[j + 1] share their
;; folded address.
;; axpy(b, c, n, a) does it for n pairs and returns c[0] + c[2n - 1].
(module
  (memory (export "mem") 1)
  (func (export "axpy") (param $b i32) (param $c i32) (param $n i32) (param $a f64) (result f64)
    (local $pb i32) (local $pc i32) (local $i i32)
    (local.set $pb (local.get $b))
    (local.set $pc (local.get $c))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $pairs
        (f64.store (local.get $pc)
          (f64.add (f64.load (local.get $pc))
            (f64.mul (local.get $a) (f64.load (local.get $pb)))))
        (f64.store (i32.add (local.get $pc) (i32.const 8))
          (f64.add (f64.load (i32.add (local.get $pc) (i32.const 8)))
            (f64.mul (local.get $a) (f64.load (i32.add (local.get $pb) (i32.const 8))))))
        (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 16)))
        (br_if $pairs (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
    (f64.add
      (f64.load (local.get $c))
      (f64.load (i32.add (local.get $c) (i32.shl (i32.sub (i32.shl (local.get $n) (i32.const 1)) (i32.const 1)) (i32.const 3)))))))
