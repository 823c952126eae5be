;; Products of every pair of rows c ≤ k of a (d × len) matrix, in pair order (c, then k), in place
;; on the memory of the tfjs wasm backend (imported; pointers are byte offsets there) with f32x4
;; SIMD: the upper triangle of each column's outer product, one output row per pair. Rows c and k
;; stay in cache while their product is written.
;; pairs(x, out, d, len): out[p(c, k)] = x[c] ⊙ x[k]
(module
  (import "env" "memory" (memory 1))
  (func (export "pairs") (param $x i32) (param $out i32) (param $d i32) (param $len i32)
    (local $c i32) (local $k i32) (local $a i32) (local $b i32) (local $j i32)
    (local $rowBytes i32) (local $vecBytes i32)
    (local.set $rowBytes (i32.shl (local.get $len) (i32.const 2)))
    (local.set $vecBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (block $cDone
      (loop $cLoop
        (br_if $cDone (i32.ge_u (local.get $c) (local.get $d)))
        (local.set $a (i32.add (local.get $x) (i32.mul (local.get $c) (local.get $rowBytes))))
        (local.set $k (local.get $c))
        (block $kDone
          (loop $kLoop
            (br_if $kDone (i32.ge_u (local.get $k) (local.get $d)))
            (local.set $b (i32.add (local.get $x) (i32.mul (local.get $k) (local.get $rowBytes))))
            (local.set $j (i32.const 0))
            (block $vecDone
              (loop $vec
                (br_if $vecDone (i32.ge_u (local.get $j) (local.get $vecBytes)))
                (v128.store (i32.add (local.get $out) (local.get $j))
                  (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $j)))
                             (v128.load (i32.add (local.get $b) (local.get $j)))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $vec)))
            (block $tailDone
              (loop $tail
                (br_if $tailDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
                (f32.store (i32.add (local.get $out) (local.get $j))
                  (f32.mul (f32.load (i32.add (local.get $a) (local.get $j)))
                           (f32.load (i32.add (local.get $b) (local.get $j)))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $tail)))
            (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kLoop)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cLoop)))))
