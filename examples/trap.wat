;; Exports that trap: `strata run examples/trap.wat --invoke div 1 0` fails with
;; "integer divide by zero"; `--invoke boom` reaches `unreachable`.
(module
  (func $inner (unreachable))
  (func (export "boom") (call $inner))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1))))
