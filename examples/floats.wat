;; Float arguments and results: `strata run examples/floats.wat --invoke mul 1.5 -2`.
(module
  (func (export "mul") (param f64 f64) (result f64)
    (f64.mul (local.get 0) (local.get 1)))
  (func (export "div32") (param f32 f32) (result f32)
    (f32.div (local.get 0) (local.get 1)))
  (func (export "pair") (param i64) (result i64 i32)
    (local.get 0) (i32.wrap_i64 (local.get 0))))
