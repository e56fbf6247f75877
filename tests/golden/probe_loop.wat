;; Linear probing as in an open-addressing hash table, `i = (i + 1) & mask`
;; until `keys[i]` is the key or zero: the slot is a loop parameter whose
;; every value is masked, so the range pass bounds it by the mask and
;; `keys[i]`, at `i << 2`, cannot wrap. The load then reads
;; `[r15 + i*4 + keys]`, with no shift in the loop. The shift is also read
;; after the loop (the slot's value is stored there), where it is computed
;; again for that store.
(module
  (memory 1)
  (func $probe (export "probe") (param $k i32) (result i32)
    (local $i i32) (local $v i32)
    (local.set $i (i32.and (i32.mul (local.get $k) (i32.const 40503)) (i32.const 1023)))
    block $done
      loop $l
        (local.set $v (i32.load offset=4096 (i32.shl (local.get $i) (i32.const 2))))
        (br_if $done (i32.eq (local.get $v) (local.get $k)))
        (br_if $done (i32.eqz (local.get $v)))
        (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (i32.const 1023)))
        (br $l)
      end
    end
    (i32.store offset=4096 (i32.shl (local.get $i) (i32.const 2)) (local.get $k))
    (local.get $i)))
