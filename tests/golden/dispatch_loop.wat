(module
  (memory 1)
  ;; inc inc push inc pop call inc div inc call halt
  (data (i32.const 0) "\00\00\02\00\01\04\00\03\00\04\05")
  ;; A bytecode interpreter's loop: fetch an opcode, dispatch through a
  ;; br_table, run the case, go back for the next one. The accumulator,
  ;; the program counter, a stack pointer and its base live across the
  ;; loop; one case divides (rax and rdx), one calls (with one value more
  ;; live across it than there are callee-saved registers).
  (func $ext (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $ext (i32.shr_u (local.get 0) (i32.const 1)))
                     (i32.const 1)))))
  (func $run (export "run") (param $pc i32) (param $base i32) (result i32)
    (local $acc i32) (local $sp i32) (local $op i32) (local $t i32)
    (local.set $sp (i32.const 4096))
    (loop $next
      (local.set $op (i32.load8_u (local.get $pc)))
      (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
      (block $halt
        (block $call
          (block $div
            (block $push
              (block $pop
                (block $inc
                  (br_table $inc $pop $push $div $call $halt (local.get $op)))
                (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
                (br $next))
              (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
              (local.set $acc (i32.add (local.get $acc)
                                       (i32.load (i32.add (local.get $base) (local.get $sp)))))
              (br $next))
            (i32.store (i32.add (local.get $base) (local.get $sp)) (local.get $acc))
            (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
            (br $next))
          (local.set $acc (i32.div_u (local.get $acc) (i32.or (local.get $pc) (i32.const 1))))
          (br $next))
        (local.set $acc (call $ext (local.get $acc)))
        (br $next)))
    (i32.add (local.get $acc) (local.get $sp)))
)
