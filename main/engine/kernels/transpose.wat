;; A matrix transpose of 4-byte elements in 4 × 4 SIMD tiles, in place on the memory of the tfjs
;; wasm backend (imported; pointers are byte offsets there). Tiles run over blocks of 64 columns
;; at a time, so the output rows a block writes stay in cache until they are full.
;; transpose(x, out, rows, cols): out[c·rows + r] = x[r·cols + c].
(module
  (import "env" "memory" (memory 1))
  (func $at (param $base i32) (param $i i32) (param $j i32) (param $stride i32) (result i32)
    (i32.add (local.get $base)
      (i32.shl (i32.add (i32.mul (local.get $i) (local.get $stride)) (local.get $j)) (i32.const 2))))
  (func $scalar (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (param $r0 i32) (param $r1 i32) (param $c0 i32) (param $c1 i32)
    (local $r i32) (local $c i32)
    (local.set $r (local.get $r0))
    (block $rDone
      (loop $rLoop
        (br_if $rDone (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $c (local.get $c0))
        (block $cDone
          (loop $cLoop
            (br_if $cDone (i32.ge_u (local.get $c) (local.get $c1)))
            (i32.store (call $at (local.get $out) (local.get $c) (local.get $r) (local.get $rows))
              (i32.load (call $at (local.get $x) (local.get $r) (local.get $c) (local.get $cols))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rLoop))))
  (func (export "transpose") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r4 i32) (local $c4 i32) (local $cb i32) (local $ce i32) (local $r i32) (local $c i32)
    (local $src i32) (local $dst i32) (local $inRow i32) (local $outRow i32)
    (local $a v128) (local $b v128) (local $cc v128) (local $d v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $r4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $inRow (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $outRow (i32.shl (local.get $rows) (i32.const 2)))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $cb) (local.get $c4)))
        (local.set $ce (i32.add (local.get $cb) (i32.const 64)))
        (if (i32.gt_u (local.get $ce) (local.get $c4)) (then (local.set $ce (local.get $c4))))
        (local.set $r (i32.const 0))
        (block $rDone
          (loop $rLoop
            (br_if $rDone (i32.ge_u (local.get $r) (local.get $r4)))
            (local.set $c (local.get $cb))
            (block $cDone
              (loop $cLoop
                (br_if $cDone (i32.ge_u (local.get $c) (local.get $ce)))
                (local.set $src (call $at (local.get $x) (local.get $r) (local.get $c) (local.get $cols)))
                (local.set $a (v128.load (local.get $src)))
                (local.set $b (v128.load (i32.add (local.get $src) (local.get $inRow))))
                (local.set $cc (v128.load (i32.add (local.get $src)
                  (i32.shl (local.get $inRow) (i32.const 1)))))
                (local.set $d (v128.load (i32.add (local.get $src)
                  (i32.mul (local.get $inRow) (i32.const 3)))))
                ;; [a0 b0 a1 b1], [a2 b2 a3 b3], [c0 d0 c1 d1], [c2 d2 c3 d3]
                (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                  (local.get $a) (local.get $b)))
                (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                  (local.get $a) (local.get $b)))
                (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                  (local.get $cc) (local.get $d)))
                (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                  (local.get $cc) (local.get $d)))
                (local.set $dst (call $at (local.get $out) (local.get $c) (local.get $r) (local.get $rows)))
                (v128.store (local.get $dst)
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                    (local.get $t0) (local.get $t2)))
                (v128.store (i32.add (local.get $dst) (local.get $outRow))
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                    (local.get $t0) (local.get $t2)))
                (v128.store (i32.add (local.get $dst) (i32.shl (local.get $outRow) (i32.const 1)))
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                    (local.get $t1) (local.get $t3)))
                (v128.store (i32.add (local.get $dst) (i32.mul (local.get $outRow) (i32.const 3)))
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                    (local.get $t1) (local.get $t3)))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $cLoop)))
            (local.set $r (i32.add (local.get $r) (i32.const 4)))
            (br $rLoop)))
        (local.set $cb (local.get $ce))
        (br $blockLoop)))
    ;; The rows and columns past the last whole tile.
    (call $scalar (local.get $x) (local.get $out) (local.get $rows) (local.get $cols)
      (local.get $r4) (local.get $rows) (i32.const 0) (local.get $cols))
    (call $scalar (local.get $x) (local.get $out) (local.get $rows) (local.get $cols)
      (i32.const 0) (local.get $r4) (local.get $c4) (local.get $cols))))
