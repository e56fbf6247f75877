;; A SHA-256-style compression loop: eight state words loaded from memory,
;; rotated through 64 rounds, then added back. The state words stay live
;; across the loop beside their rotating copies, more values than there are
;; registers.
(module
  (memory 1)
  ;; h[8] at 0, w[64] at 64, k[64] at 320.
  (func (export "init") (param $seed i32)
    (local $i i32)
    (loop $fill
      (local.set $seed
        (i32.add (i32.mul (local.get $seed) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store (local.get $i) (local.get $seed))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $fill (i32.ne (local.get $i) (i32.const 576)))))
  (func (export "rounds") (param $h i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $hh i32)
    (local $i i32) (local $t1 i32) (local $t2 i32)
    (local $a0 i32) (local $b0 i32) (local $c0 i32) (local $d0 i32)
    (local $e0 i32) (local $f0 i32) (local $g0 i32) (local $h0 i32)
    (local.set $a0 (i32.load offset=0 (local.get $h)))
    (local.set $b0 (i32.load offset=4 (local.get $h)))
    (local.set $c0 (i32.load offset=8 (local.get $h)))
    (local.set $d0 (i32.load offset=12 (local.get $h)))
    (local.set $e0 (i32.load offset=16 (local.get $h)))
    (local.set $f0 (i32.load offset=20 (local.get $h)))
    (local.set $g0 (i32.load offset=24 (local.get $h)))
    (local.set $h0 (i32.load offset=28 (local.get $h)))
    (local.set $a (local.get $a0)) (local.set $b (local.get $b0))
    (local.set $c (local.get $c0)) (local.set $d (local.get $d0))
    (local.set $e (local.get $e0)) (local.set $f (local.get $f0))
    (local.set $g (local.get $g0)) (local.set $hh (local.get $h0))
    (loop $round
      (local.set $t1
        (i32.add
          (i32.add
            (i32.add (local.get $hh)
              (i32.xor (i32.xor (i32.rotr (local.get $e) (i32.const 6))
                                (i32.rotr (local.get $e) (i32.const 11)))
                       (i32.rotr (local.get $e) (i32.const 25))))
            (i32.xor (i32.and (local.get $e) (local.get $f))
                     (i32.and (i32.xor (local.get $e) (i32.const -1)) (local.get $g))))
          (i32.add (i32.load offset=320 (local.get $i))
                   (i32.load offset=64 (local.get $i)))))
      (local.set $t2
        (i32.add
          (i32.xor (i32.xor (i32.rotr (local.get $a) (i32.const 2))
                            (i32.rotr (local.get $a) (i32.const 13)))
                   (i32.rotr (local.get $a) (i32.const 22)))
          (i32.xor (i32.xor (i32.and (local.get $a) (local.get $b))
                            (i32.and (local.get $a) (local.get $c)))
                   (i32.and (local.get $b) (local.get $c)))))
      (local.set $hh (local.get $g))
      (local.set $g (local.get $f))
      (local.set $f (local.get $e))
      (local.set $e (i32.add (local.get $d) (local.get $t1)))
      (local.set $d (local.get $c))
      (local.set $c (local.get $b))
      (local.set $b (local.get $a))
      (local.set $a (i32.add (local.get $t1) (local.get $t2)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $round (i32.ne (local.get $i) (i32.const 256))))
    (i32.store offset=0 (local.get $h) (i32.add (local.get $a0) (local.get $a)))
    (i32.store offset=4 (local.get $h) (i32.add (local.get $b0) (local.get $b)))
    (i32.store offset=8 (local.get $h) (i32.add (local.get $c0) (local.get $c)))
    (i32.store offset=12 (local.get $h) (i32.add (local.get $d0) (local.get $d)))
    (i32.store offset=16 (local.get $h) (i32.add (local.get $e0) (local.get $e)))
    (i32.store offset=20 (local.get $h) (i32.add (local.get $f0) (local.get $f)))
    (i32.store offset=24 (local.get $h) (i32.add (local.get $g0) (local.get $g)))
    (i32.store offset=28 (local.get $h) (i32.add (local.get $h0) (local.get $hh)))
    (i32.xor (i32.load offset=0 (local.get $h)) (i32.load offset=28 (local.get $h)))))
