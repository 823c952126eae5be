;; LeakyReLU's gradient in one f32x4 SIMD pass, in place on the memory of the tfjs wasm backend
;; (imported; pointers are byte offsets there): out[i] = dy[i] where x[i] > 0, else alpha·dy[i]
;; (a NaN x takes the alpha branch, as tfjs's where(greater(x, 0), dy, dy·alpha) does).
(module
  (import "env" "memory" (memory 1))
  (func (export "grad")
    (param $x i32) (param $dy i32) (param $out i32) (param $n i32) (param $alpha f32)
    (local $i i32) (local $vec i32) (local $at i32) (local $d v128) (local $av v128)
    (local $g f32)
    (local.set $vec (i32.and (local.get $n) (i32.const -4)))
    (local.set $av (f32x4.splat (local.get $alpha)))
    (block $vecDone
      (loop $vecLoop
        (br_if $vecDone (i32.ge_u (local.get $i) (local.get $vec)))
        (local.set $at (i32.shl (local.get $i) (i32.const 2)))
        (local.set $d (v128.load (i32.add (local.get $dy) (local.get $at))))
        (v128.store (i32.add (local.get $out) (local.get $at))
          (v128.bitselect
            (local.get $d)
            (f32x4.mul (local.get $d) (local.get $av))
            (f32x4.gt
              (v128.load (i32.add (local.get $x) (local.get $at)))
              (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vecLoop)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 2)))
        (local.set $g (f32.load (i32.add (local.get $dy) (local.get $at))))
        (f32.store (i32.add (local.get $out) (local.get $at))
          (select
            (local.get $g)
            (f32.mul (local.get $g) (local.get $alpha))
            (f32.gt (f32.load (i32.add (local.get $x) (local.get $at))) (f32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))))
