;; Scores of (user row, item row) pairs with f32x4 SIMD: dot products, and NeuMF's one-layer form.
;; Rows are padded to a multiple of 8 floats (two vectors per loop step) with zeros.
;; scorePairs(p, q, users, items, slots, out, n, stride):
;;   for e in [0, n): out[slots[e]] = dot(P[users[e]], Q[items[e]])
;; Pairs are visited sorted by item so each item row is read once from memory and then reused
;; from cache; user rows are few enough to stay cached.
(module
  (memory (export "memory") 1)
  (func (export "scorePairs")
    (param $p i32) (param $q i32) (param $users i32) (param $items i32) (param $slots i32)
    (param $out i32) (param $n i32) (param $stride i32)
    (local $e i32) (local $k i32) (local $urow i32) (local $qrow i32) (local $rowBytes i32)
    (local $off i32) (local $acc0 v128) (local $acc1 v128) (local $s v128)
    (local.set $rowBytes (i32.shl (local.get $stride) (i32.const 2)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $e) (local.get $n)))
        (local.set $off (i32.shl (local.get $e) (i32.const 2)))
        (local.set $urow (i32.add (local.get $p)
          (i32.mul (i32.load (i32.add (local.get $users) (local.get $off))) (local.get $rowBytes))))
        (local.set $qrow (i32.add (local.get $q)
          (i32.mul (i32.load (i32.add (local.get $items) (local.get $off))) (local.get $rowBytes))))
        (local.set $acc0 (v128.const f32x4 0 0 0 0))
        (local.set $acc1 (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $rowDone
          (loop $row
            (br_if $rowDone (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $acc0 (f32x4.add (local.get $acc0)
              (f32x4.mul (v128.load (i32.add (local.get $urow) (local.get $k)))
                         (v128.load (i32.add (local.get $qrow) (local.get $k))))))
            (local.set $acc1 (f32x4.add (local.get $acc1)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $urow) (local.get $k)))
                         (v128.load offset=16 (i32.add (local.get $qrow) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 32)))
            (br $row)))
        (local.set $s (f32x4.add (local.get $acc0) (local.get $acc1)))
        (f32.store
          (i32.add (local.get $out)
            (i32.shl (i32.load (i32.add (local.get $slots) (local.get $off))) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $s)) (f32x4.extract_lane 1 (local.get $s)))
            (f32.add (f32x4.extract_lane 2 (local.get $s)) (f32x4.extract_lane 3 (local.get $s)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $pairs))))
  ;; scoreMlpPairs(p, q, a, c, w, users, items, slots, out, n, stride): NeuMF with one MLP layer,
  ;;   out[slots[e]] = dot(P[u], Q[i]) + Σ_k w[k]·max(0, A[u][k] + C[i][k])  for (u, i) = pair e
  ;; (P: the GMF user rows scaled by the output weights, A/C: the MLP layer's user/item halves).
  (func (export "scoreMlpPairs")
    (param $p i32) (param $q i32) (param $a i32) (param $c i32) (param $w i32)
    (param $users i32) (param $items i32) (param $slots i32)
    (param $out i32) (param $n i32) (param $stride i32)
    (local $e i32) (local $k i32) (local $uoff i32) (local $ioff i32) (local $rowBytes i32)
    (local $off i32) (local $acc v128) (local $s v128)
    (local.set $rowBytes (i32.shl (local.get $stride) (i32.const 2)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $e) (local.get $n)))
        (local.set $off (i32.shl (local.get $e) (i32.const 2)))
        (local.set $uoff (i32.mul (i32.load (i32.add (local.get $users) (local.get $off)))
          (local.get $rowBytes)))
        (local.set $ioff (i32.mul (i32.load (i32.add (local.get $items) (local.get $off)))
          (local.get $rowBytes)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $rowDone
          (loop $row
            (br_if $rowDone (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.add
                (f32x4.mul
                  (v128.load (i32.add (local.get $p) (i32.add (local.get $uoff) (local.get $k))))
                  (v128.load (i32.add (local.get $q) (i32.add (local.get $ioff) (local.get $k)))))
                (f32x4.mul
                  (v128.load (i32.add (local.get $w) (local.get $k)))
                  (f32x4.max (v128.const f32x4 0 0 0 0)
                    (f32x4.add
                      (v128.load (i32.add (local.get $a) (i32.add (local.get $uoff) (local.get $k))))
                      (v128.load (i32.add (local.get $c) (i32.add (local.get $ioff) (local.get $k))))))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $row)))
        (local.set $s (local.get $acc))
        (f32.store
          (i32.add (local.get $out)
            (i32.shl (i32.load (i32.add (local.get $slots) (local.get $off))) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $s)) (f32x4.extract_lane 1 (local.get $s)))
            (f32.add (f32x4.extract_lane 2 (local.get $s)) (f32x4.extract_lane 3 (local.get $s)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $pairs)))))
