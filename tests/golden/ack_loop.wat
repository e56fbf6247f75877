;; Ackermann's function as clang -O2 leaves it: the outer recursion turned
;; into a loop around the inner call. The constant 1 that the `n == 0` arm
;; passes on is hoisted out of the loop; it is loaded again where the arm
;; uses it rather than held in a callee-saved register across the call.
(module
  (func $ack (export "ack") (param $m i32) (param $n i32) (result i32)
    (block $done
      (br_if $done (i32.eqz (local.get $m)))
      (loop $again
        (if (i32.eqz (local.get $n))
          (then (local.set $n (i32.const 1)))
          (else
            (local.set $n
              (call $ack (local.get $m) (i32.sub (local.get $n) (i32.const 1))))))
        (local.set $m (i32.sub (local.get $m) (i32.const 1)))
        (br_if $again (local.get $m))))
    (i32.add (local.get $n) (i32.const 1))))
