;; Dropout with a counter-based random stream, f32x4 SIMD, in place on the memory of the tfjs
;; wasm backend (imported; pointers are byte offsets there). Element i is kept when
;; hash(i + seed) ≥ threshold (threshold = p·2³²) and scaled by `scale` = 1/(1 − p); the hash is
;; "lowbias32" (Wellons), so the same seed gives the same mask forward and backward and nothing
;; has to be stored. mask(x, out, n, seed, threshold, scale): out[i] = x[i]·scale or 0.
(module
  (import "env" "memory" (memory 1))
  (func $hash (param $x i32) (result i32)
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 16))))
    (local.set $x (i32.mul (local.get $x) (i32.const 0x7feb352d)))
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 15))))
    (local.set $x (i32.mul (local.get $x) (i32.const 0x846ca68b)))
    (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 16))))
  (func (export "mask")
    (param $x i32) (param $out i32) (param $n i32) (param $seed i32) (param $threshold i32)
    (param $scale f32)
    (local $i i32) (local $vec i32) (local $h v128) (local $idx v128) (local $sv v128)
    (local $tv v128)
    (local.set $vec (i32.and (local.get $n) (i32.const -4)))
    (local.set $idx (i32x4.add (i32x4.splat (local.get $seed)) (v128.const i32x4 0 1 2 3)))
    (local.set $sv (f32x4.splat (local.get $scale)))
    (local.set $tv (i32x4.splat (local.get $threshold)))
    (block $vecDone
      (loop $vecLoop
        (br_if $vecDone (i32.ge_u (local.get $i) (local.get $vec)))
        (local.set $h (local.get $idx))
        (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 16))))
        (local.set $h (i32x4.mul (local.get $h) (i32x4.splat (i32.const 0x7feb352d))))
        (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 15))))
        (local.set $h (i32x4.mul (local.get $h) (i32x4.splat (i32.const 0x846ca68b))))
        (local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const 16))))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (v128.and
            (f32x4.mul (local.get $sv)
              (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
            (i32x4.ge_u (local.get $h) (local.get $tv))))
        (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 4 4 4 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vecLoop)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (select
            (f32.mul (local.get $scale)
              (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
            (f32.const 0)
            (i32.ge_u
              (call $hash (i32.add (local.get $seed) (local.get $i)))
              (local.get $threshold))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))))
