;; Column sums of a row-major float32 matrix in one pass over its rows, f32x4 SIMD across columns,
;; in place on the memory of the tfjs wasm backend (imported; pointers are byte offsets there).
;; Each column is summed from row 0 down, one addition at a time, as the backend's Sum sums a
;; transposed row, so the values are the same: only its transpose is saved.
;; sum(x, out, rows, cols): out[c] = Σ_r x[r·cols + c].
(module
  (import "env" "memory" (memory 1))
  (func (export "sum") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $vec i32) (local $row i32) (local $o i32)
    (local.set $vec (i32.and (local.get $cols) (i32.const -4)))
    (local.set $c (i32.const 0))
    (block $zeroed
      (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $c) (local.get $cols)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (f32.const 0))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $zero)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row
          (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
        (local.set $c (i32.const 0))
        (block $vecDone
          (loop $vecLoop
            (br_if $vecDone (i32.ge_u (local.get $c) (local.get $vec)))
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))))
            (v128.store (local.get $o)
              (f32x4.add (v128.load (local.get $o))
                (v128.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $vecLoop)))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $c) (local.get $cols)))
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))))
            (f32.store (local.get $o)
              (f32.add (f32.load (local.get $o))
                (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $tail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))))
