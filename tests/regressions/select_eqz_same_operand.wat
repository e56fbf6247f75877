;; `select` whose condition is `eqz` of one of its own operands: the
;; guarded-divisor idiom wasm-smith emits (`x == 0 ? 1 : x`). Found by the
;; differential test (seed 1455): wasmi 2.0.0 returns the wrong operand here
;; (it folds `eqz` into the select by swapping the operands), which is why
;; the oracle uses wasmi 1.x. strata must keep returning the spec's answer.
(module
  (func (export "select_eqz") (param i32) (result i32)
    i32.const 1
    local.get 0
    local.get 0
    i32.eqz
    select)
  (func (export "select_eqz64") (param i64) (result i64)
    i64.const 1
    local.get 0
    local.get 0
    i64.eqz
    select)
  (func (export "rem_by_guarded") (param i32 i32) (result i32)
    local.get 0
    i32.const 1
    local.get 1
    local.get 1
    i32.eqz
    select
    i32.rem_u)
  (func (export "rem_unguarded") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.rem_u)
  (func $g (param i32 i32) (result i32)
    local.get 0
    i32.const 1
    local.get 1
    local.get 1
    i32.eqz
    select
    i32.rem_u)
  (func (export "rem_by_guarded_call") (result i32)
    i32.const 1023
    i32.const 15
    call $g))
