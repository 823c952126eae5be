;; Adam with coupled L2 weight decay over one tensor, four floats at a time.
;; The memory is shared (it never detaches JS views when it grows); lengths are padded to a
;; multiple of 4 with zeros, which stay zero.
;; adam(th, g, m, v, n, b1, b2, wd, stepSize, invBc2, eps):
;;   g' = g + wd·θ;  m = b1·m + (1-b1)·g';  v = b2·v + (1-b2)·g'²;
;;   θ -= stepSize·m / (√v·invBc2 + eps)
(module
  (import "env" "memory" (memory 1 65536 shared))
  (func (export "adam")
    (param $th i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $b1 f32) (param $b2 f32) (param $wd f32) (param $step f32) (param $invBc2 f32)
    (param $eps f32)
    (local $i i32) (local $end i32)
    (local $vb1 v128) (local $vb2 v128) (local $va1 v128) (local $va2 v128) (local $vwd v128)
    (local $vstep v128) (local $vinv v128) (local $veps v128)
    (local $t v128) (local $gi v128) (local $mi v128) (local $vi v128)
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $va1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
    (local.set $va2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
    (local.set $vwd (f32x4.splat (local.get $wd)))
    (local.set $vstep (f32x4.splat (local.get $step)))
    (local.set $vinv (f32x4.splat (local.get $invBc2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $t (v128.load (i32.add (local.get $th) (local.get $i))))
        (local.set $gi (f32x4.add (v128.load (i32.add (local.get $g) (local.get $i)))
                                  (f32x4.mul (local.get $vwd) (local.get $t))))
        (local.set $mi (f32x4.add (f32x4.mul (local.get $vb1) (v128.load (i32.add (local.get $m) (local.get $i))))
                                  (f32x4.mul (local.get $va1) (local.get $gi))))
        (local.set $vi (f32x4.add (f32x4.mul (local.get $vb2) (v128.load (i32.add (local.get $v) (local.get $i))))
                                  (f32x4.mul (local.get $va2) (f32x4.mul (local.get $gi) (local.get $gi)))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mi))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vi))
        (v128.store (i32.add (local.get $th) (local.get $i))
          (f32x4.sub (local.get $t)
            (f32x4.div (f32x4.mul (local.get $vstep) (local.get $mi))
                       (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vi)) (local.get $vinv))
                                  (local.get $veps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $each)))))
