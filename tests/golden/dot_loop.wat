;; The inner loop of a matrix-vector product as clang -O2 leaves it
;; (benches/suite spectral: `s += A(i, j) * v[j]` with `A = 1.0 / ...`):
;; the sum is the add's second operand, and the constant 1.0, hoisted out
;; of the loop, stays live across the division that reads it.
;; - The add is emitted into the sum's own register (`addsd` is
;;   commutative), so the back edge needs no move and the loop ends in its
;;   conditional branch.
;; - The counter is read after its next value (`j + 1` converts, `j`
;;   addresses): a second `j + 1` after the address goes round the back
;;   edge, in `j`'s register, and the loop ends in its conditional branch.
;; - The division's result (`divsd` overwrites its first operand, the
;;   constant) gets a register that neither input is in: one copy of the
;;   constant, no round trip through a scratch register.
(module
  (memory 1)
  (data (i32.const 1024)
    "\00\00\00\00\00\00\f0\3f" ;; 1.0
    "\00\00\00\00\00\00\00\40" ;; 2.0
    "\00\00\00\00\00\00\08\40") ;; 3.0
  (func $dot (export "dot") (param $n i32) (result f64)
    (local $j i32) (local $s f64)
    block $done
      (br_if $done (i32.eqz (local.get $n)))
      loop $l
        (local.set $s
          (f64.add
            (f64.mul
              (f64.div (f64.const 1)
                (f64.convert_i32_s (i32.add (local.get $j) (i32.const 1))))
              (f64.load offset=1024 (i32.shl (local.get $j) (i32.const 3))))
            (local.get $s)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $l (i32.ne (local.get $j) (local.get $n)))
      end
    end
    (local.get $s)))
