;; A conditional branch whose two targets are one block once jumps are
;; threaded (`br_if` to the end of a block that the next instruction also
;; ends), on a comparison with a heap load folded into it: the branch
;; reduces to a jump, but the load must still run, and trap when out of
;; bounds. Found by the differential test (seeds 11116778 and 15 others):
;; the jump was emitted without the `cmp word ptr [mem],0`.
(module
  (memory 1)
  (func (export "load16") (param $p i32) (result i32)
    (block $b
      (br_if $b (i32.load16_u (local.get $p))))
    (i32.const 7))
  (func (export "less") (param $p i32) (param $x i32) (result i32)
    (block $b
      (br_if $b (i32.lt_u (i32.load offset=8 (local.get $p)) (local.get $x))))
    (i32.const 9)))
