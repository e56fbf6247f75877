;; Found by the differential test (seed 719, reduced): the optimizing tier
;; refuses function 0 with "register allocation of f0: invalid allocator
;; input: critical edge Block(4) -> Block(6) needs moves; split it". The
;; shape that matters: values live across a block whose inner block ends in
;; `br_if 1` followed by `br 1` (two edges to the same successor), after two
;; one-armed `if`s and float-to-int truncations. Function 0 recurses without
;; end, so this module is only compiled, never run.
(module
  (type (;0;) (func (param f64) (result i64)))
  (func (;0;) (type 0) (param f64) (result i64)
    (local i32 i32 i64 f64 i32 f64 f32 i32 i64 i32 i32 f32 i32 i64)
    global.get 3
    local.get 1
    if  ;; label = @1
    end
    local.get 4
    i32.trunc_f64_u
    local.get 6
    f32.demote_f64
    f32.const 0x0p+0 (;=0;)
    f32.lt
    if  ;; label = @1
    end
    local.get 7
    i64.trunc_f32_u
    local.get 0
    call 0
    block  ;; label = @1
      block (result i32)  ;; label = @2
            local.get 8
            i64.load offset=28785 align=2
        i64.eqz
        br_if 1 (;@1;)
        br 1 (;@1;)
      end
      global.set 6
    end
    global.set 7
    global.set 7
    global.set 6
    i32.reinterpret_f32
    global.set 8
    i64.const -9191130178308896267)
  (memory (;0;) 1 4)
  (global (;0;) f32 (f32.const 0x1.670dfep-126 (;=1.6487e-38;)))
  (global (;1;) f64 (f64.const 0x1.99cef0193c584p+122 (;=8.51139e+36;)))
  (global (;2;) f32 (f32.const 0x1.bb7f4ep+60 (;=1.99733e+18;)))
  (global (;3;) (mut f32) (f32.const -0x1.b99a08p-86 (;=-2.22952e-26;)))
  (global (;4;) i64 (i64.const -2988795509736739381))
  (global (;5;) (mut i64) (i64.const 0))
  (global (;6;) (mut i32) (i32.const 0))
  (global (;7;) (mut i64) (i64.const 0))
  (global (;8;) (mut i32) (i32.const 1000)))
