;; A C-style function that moves a stack-pointer global down and back up
;; and bumps a counter global in a loop: the globals live in the
;; VMContext, read and written as `[r14 + offset]`.
(module
  (global $sp (mut i32) (i32.const 1024))
  (global $count (export "count") (mut i64) (i64.const 0))
  (func (export "bump") (param $n i32) (result i32)
    (local $i i32)
    (global.set $sp (i32.sub (global.get $sp) (i32.const 16)))
    (loop $l
      (global.set $count (i64.add (global.get $count) (i64.const 1)))
      (br_if $l
        (i32.lt_u
          (local.tee $i (i32.add (local.get $i) (i32.const 1)))
          (local.get $n))))
    (global.set $sp (i32.add (global.get $sp) (i32.const 16)))
    (global.get $sp)))
