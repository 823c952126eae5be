;; The distillation experts' q-weighted ReLU hidden layer and its gradient, with f32x4 SIMD, in
;; place on the memory of the tfjs wasm backend (imported): every argument is a byte offset of a
;; tensor there. Rows of n, M experts of h units; the last h mod 4 units of an expert are scalar.
;; forward(pre, b1, q, out, n, M, h):
;;   out[r, k·h + j] = q[r, k] · max(pre[r, k·h + j] + b1[k·h + j], 0)
;; backward(dy, pre, b1, q, dpre, db1, dq, n, M, h), with v = pre + b1 and g = dy where v > 0:
;;   dpre = g · q[r, k];  db1 = Σ_r dpre;  dq[r, k] = Σ_j g · v
(module
  (import "env" "memory" (memory 1))
  (func (export "forward")
    (param $pre i32) (param $b1 i32) (param $q i32) (param $out i32)
    (param $n i32) (param $M i32) (param $h i32)
    (local $r i32) (local $k i32) (local $j i32) (local $hb i32) (local $vb i32) (local $bb i32)
    (local $qk f32) (local $qv v128) (local $v f32)
    (local.set $hb (i32.shl (local.get $h) (i32.const 2)))
    (local.set $vb (i32.shl (i32.and (local.get $h) (i32.const -4)) (i32.const 2)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $bb (local.get $b1))
        (local.set $k (i32.const 0))
        (block $expertsDone
          (loop $experts
            (br_if $expertsDone (i32.ge_u (local.get $k) (local.get $M)))
            (local.set $qk (f32.load (local.get $q)))
            (local.set $qv (f32x4.splat (local.get $qk)))
            (local.set $j (i32.const 0))
            (block $vecDone
              (loop $vec
                (br_if $vecDone (i32.ge_u (local.get $j) (local.get $vb)))
                (v128.store (i32.add (local.get $out) (local.get $j))
                  (f32x4.mul (local.get $qv)
                    (f32x4.max
                      (f32x4.add
                        (v128.load (i32.add (local.get $pre) (local.get $j)))
                        (v128.load (i32.add (local.get $bb) (local.get $j))))
                      (v128.const f32x4 0 0 0 0))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $vec)))
            (block $tailDone
              (loop $tail
                (br_if $tailDone (i32.ge_u (local.get $j) (local.get $hb)))
                (local.set $v (f32.add
                  (f32.load (i32.add (local.get $pre) (local.get $j)))
                  (f32.load (i32.add (local.get $bb) (local.get $j)))))
                (f32.store (i32.add (local.get $out) (local.get $j))
                  (f32.mul (local.get $qk) (f32.max (local.get $v) (f32.const 0))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $tail)))
            (local.set $pre (i32.add (local.get $pre) (local.get $hb)))
            (local.set $out (i32.add (local.get $out) (local.get $hb)))
            (local.set $bb (i32.add (local.get $bb) (local.get $hb)))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $experts)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "backward")
    (param $dy i32) (param $pre i32) (param $b1 i32) (param $q i32)
    (param $dpre i32) (param $db1 i32) (param $dq i32)
    (param $n i32) (param $M i32) (param $h i32)
    (local $r i32) (local $k i32) (local $j i32) (local $hb i32) (local $vb i32)
    (local $bb i32) (local $dbb i32) (local $qk f32) (local $qv v128)
    (local $v v128) (local $g v128) (local $gp v128) (local $acc v128)
    (local $vs f32) (local $gs f32) (local $accs f32)
    (local.set $hb (i32.shl (local.get $h) (i32.const 2)))
    (local.set $vb (i32.shl (i32.and (local.get $h) (i32.const -4)) (i32.const 2)))
    ;; db1 accumulates over rows: start from zero.
    (memory.fill (local.get $db1) (i32.const 0) (i32.mul (local.get $M) (local.get $hb)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $bb (local.get $b1))
        (local.set $dbb (local.get $db1))
        (local.set $k (i32.const 0))
        (block $expertsDone
          (loop $experts
            (br_if $expertsDone (i32.ge_u (local.get $k) (local.get $M)))
            (local.set $qk (f32.load (local.get $q)))
            (local.set $qv (f32x4.splat (local.get $qk)))
            (local.set $acc (v128.const f32x4 0 0 0 0))
            (local.set $accs (f32.const 0))
            (local.set $j (i32.const 0))
            (block $vecDone
              (loop $vec
                (br_if $vecDone (i32.ge_u (local.get $j) (local.get $vb)))
                (local.set $v (f32x4.add
                  (v128.load (i32.add (local.get $pre) (local.get $j)))
                  (v128.load (i32.add (local.get $bb) (local.get $j)))))
                (local.set $g (v128.and
                  (v128.load (i32.add (local.get $dy) (local.get $j)))
                  (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0))))
                (local.set $acc (f32x4.add (local.get $acc)
                  (f32x4.mul (local.get $g) (local.get $v))))
                (local.set $gp (f32x4.mul (local.get $g) (local.get $qv)))
                (v128.store (i32.add (local.get $dpre) (local.get $j)) (local.get $gp))
                (v128.store (i32.add (local.get $dbb) (local.get $j))
                  (f32x4.add (v128.load (i32.add (local.get $dbb) (local.get $j))) (local.get $gp)))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $vec)))
            (block $tailDone
              (loop $tail
                (br_if $tailDone (i32.ge_u (local.get $j) (local.get $hb)))
                (local.set $vs (f32.add
                  (f32.load (i32.add (local.get $pre) (local.get $j)))
                  (f32.load (i32.add (local.get $bb) (local.get $j)))))
                (local.set $gs (select
                  (f32.load (i32.add (local.get $dy) (local.get $j)))
                  (f32.const 0)
                  (f32.gt (local.get $vs) (f32.const 0))))
                (local.set $accs (f32.add (local.get $accs) (f32.mul (local.get $gs) (local.get $vs))))
                (f32.store (i32.add (local.get $dpre) (local.get $j))
                  (f32.mul (local.get $gs) (local.get $qk)))
                (f32.store (i32.add (local.get $dbb) (local.get $j))
                  (f32.add (f32.load (i32.add (local.get $dbb) (local.get $j)))
                    (f32.mul (local.get $gs) (local.get $qk))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $tail)))
            (f32.store (local.get $dq)
              (f32.add (local.get $accs)
                (f32.add
                  (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                  (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))))
            (local.set $dy (i32.add (local.get $dy) (local.get $hb)))
            (local.set $pre (i32.add (local.get $pre) (local.get $hb)))
            (local.set $dpre (i32.add (local.get $dpre) (local.get $hb)))
            (local.set $bb (i32.add (local.get $bb) (local.get $hb)))
            (local.set $dbb (i32.add (local.get $dbb) (local.get $hb)))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (local.set $dq (i32.add (local.get $dq) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $experts)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))))
