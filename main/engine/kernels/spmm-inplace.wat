;; Sparse × dense product over edges grouped by target row (CSR), f32x4 SIMD, in place on the
;; memory of the tfjs wasm backend (imported): every pointer is a byte offset of a tensor there,
;; rows are d floats with no padding (the last d mod 4 are scalar).
;; spmm(x, out, ptr, from, w, rows, d):
;;   for t in [0, rows): out[t] = Σ_{k in [ptr[t], ptr[t+1])} w[k] · x[from[k]]
(module
  (import "env" "memory" (memory 1))
  (func (export "spmm")
    (param $x i32) (param $out i32) (param $ptr i32) (param $from i32) (param $w i32)
    (param $rows i32) (param $d i32)
    (local $t i32) (local $k i32) (local $end i32) (local $j i32) (local $rowBytes i32)
    (local $vecBytes i32) (local $orow i32) (local $xrow i32) (local $wv v128) (local $ws f32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $vecBytes (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2)))
    (local.set $orow (local.get $out))
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_u (local.get $t) (local.get $rows)))
        (memory.fill (local.get $orow) (i32.const 0) (local.get $rowBytes))
        (local.set $k (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $end
          (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $t) (i32.const 2)))))
        (block $edgesDone
          (loop $edges
            (br_if $edgesDone (i32.ge_u (local.get $k) (local.get $end)))
            (local.set $xrow (i32.add (local.get $x)
              (i32.mul
                (i32.load (i32.add (local.get $from) (i32.shl (local.get $k) (i32.const 2))))
                (local.get $rowBytes))))
            (local.set $ws (f32.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $wv (f32x4.splat (local.get $ws)))
            (local.set $j (i32.const 0))
            (block $vecDone
              (loop $vec
                (br_if $vecDone (i32.ge_u (local.get $j) (local.get $vecBytes)))
                (v128.store (i32.add (local.get $orow) (local.get $j))
                  (f32x4.add
                    (v128.load (i32.add (local.get $orow) (local.get $j)))
                    (f32x4.mul (local.get $wv)
                      (v128.load (i32.add (local.get $xrow) (local.get $j))))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $vec)))
            (block $tailDone
              (loop $tail
                (br_if $tailDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
                (f32.store (i32.add (local.get $orow) (local.get $j))
                  (f32.add
                    (f32.load (i32.add (local.get $orow) (local.get $j)))
                    (f32.mul (local.get $ws)
                      (f32.load (i32.add (local.get $xrow) (local.get $j))))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $tail)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $edges)))
        (local.set $orow (i32.add (local.get $orow) (local.get $rowBytes)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $rowsLoop)))))
