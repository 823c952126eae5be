;; The gradient of a sum: its output's gradient dy copied back over the axes the sum removed, in
;; place on the memory of the tfjs wasm backend (imported; pointers are byte offsets there).
;; repeat(dy, out, n, c): out[i·c + j] = dy[i] (summed trailing axes; f32x4 stores).
;; rows(dy, out, r, c): out[i·c + j] = dy[j] (summed leading axes; one bulk copy per row).
(module
  (import "env" "memory" (memory 1))
  (func (export "repeat") (param $dy i32) (param $out i32) (param $n i32) (param $c i32)
    (local $i i32) (local $j i32) (local $vec i32) (local $v f32) (local $vv v128)
    (local.set $vec (i32.and (local.get $c) (i32.const -4)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (f32.load (i32.add (local.get $dy) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $vv (f32x4.splat (local.get $v)))
        (local.set $j (i32.const 0))
        (block $vecDone
          (loop $vecLoop
            (br_if $vecDone (i32.ge_u (local.get $j) (local.get $vec)))
            (v128.store (local.get $out) (local.get $vv))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vecLoop)))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $j) (local.get $c)))
            (f32.store (local.get $out) (local.get $v))
            (local.set $out (i32.add (local.get $out) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each))))
  (func (export "rows") (param $dy i32) (param $out i32) (param $r i32) (param $c i32)
    (local $i i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $c) (i32.const 2)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $r)))
        (memory.copy (local.get $out) (local.get $dy) (local.get $bytes))
        (local.set $out (i32.add (local.get $out) (local.get $bytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))))
