;; Found by the differential test (seed 33,704,963, tiered engine): in a
;; function's on-stack-replacement variant, the operand-stack entries below
;; a loop become the loop header's phis, and the translator went on using
;; those phis after the loop. Where the loop sits in an `if`'s then arm,
;; the else arm and the code after the `if` do not pass the header, so
;; they read values that were never defined on their path.
;;
;; `run`: each round pushes `$i` and keeps it below an `if`; while `$i` is
;; non-zero the then arm counts `$k` in an inner loop and branches back to
;; the outer loop (dropping the pushed value), and when `$i` is zero the
;; else arm runs and the pushed value, 0, is xored into `$g`. So `run`
;; returns 0 whatever `$n` is. Entered by OSR at the inner loop, the
;; broken variant xored the value of an earlier round (a debug build
;; never entered its OSR code). tests/tiering.rs runs it with OSR,
;; tests/regressions.rs on the baseline and optimizing tiers.
(module
  (global $g (mut i32) (i32.const 0))
  (func $run (export "run") (param $n i32) (result i32)
    (local $i i32) (local $k i32)
    local.get $n
    local.set $i
    loop $outer
      local.get $i
      local.get $i
      if
        loop $inner
          local.get $k
          i32.const 1
          i32.add
          local.tee $k
          i32.const 7
          i32.rem_u
          br_if $inner
          local.get $i
          i32.const 1
          i32.sub
          local.set $i
          br $outer
        end
      else
      end
      global.get $g
      i32.xor
      global.set $g
    end
    global.get $g))
