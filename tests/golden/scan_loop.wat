;; A scan as clang -O2 leaves `while (a[i] < p) i++; return i;`: the
;; header loads `a[i]`, computes the next index `i + 1` and tests the
;; element; the exit returns `i`, the back edge passes `i + 1`. Both would
;; be live at the exit, so they would need two registers and the back edge
;; a copy (and a `jmp` around it). The optimizing tier recomputes `i` after
;; the loop as `(i + 1) - 1` instead (`ir/src/opt/exitval.rs`): one
;; register, incremented in place, and the loop ends in its conditional
;; branch.
(module
  (memory 1)
  (data (i32.const 1024) "\01\02\03\05\08\0d\15\22\37\59")
  (func $scan (export "scan") (param $p i32) (result i32)
    (local $i i32) (local $v i32) (local $next i32)
    block $done
      loop $l
        (local.set $v (i32.load8_u offset=1024 (local.get $i)))
        (local.set $next (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $v) (local.get $p)))
        (local.set $i (local.get $next))
        (br $l)
      end
    end
    (local.get $i)))
