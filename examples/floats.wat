;; Float arguments and results: `strata run examples/floats.wat --invoke mul 1.5 -2`
;; prints -3; `--invoke div32 1 0` prints inf.
(module
  (func (export "mul") (param f64 f64) (result f64)
    (f64.mul (local.get 0) (local.get 1)))
  (func (export "div32") (param f32 f32) (result f32)
    (f32.div (local.get 0) (local.get 1))))
