;; Recursive Fibonacci as clang -O2 leaves it: the second call became a
;; loop around the first. The loop's two block parameters (n and the
;; accumulator) live across the call, in callee-saved registers (saved once,
;; after the base case's early return, which runs without a frame and neither
;; saves nor restores them): nothing in the loop touches the stack, and the back
;; edge is two register moves (the new n, and the accumulator's sum, which
;; `add` leaves in the call's result register).
(module
  (func $fib (export "fib") (param i32) (result i32)
    (local i32 i32 i32)
    block
      local.get 0
      i32.const 2
      i32.ge_s
      br_if 0
      local.get 0
      return
    end
    i32.const 0
    local.set 1
    loop
      local.get 0
      i32.const -1
      i32.add
      call $fib
      local.get 1
      i32.add
      local.set 1
      local.get 0
      i32.const 3
      i32.gt_u
      local.set 2
      local.get 0
      i32.const -2
      i32.add
      local.tee 3
      local.set 0
      local.get 2
      br_if 0
    end
    local.get 3
    local.get 1
    i32.add))
