;; Sparse × dense product over edges grouped by target row (CSR), with f32x4 SIMD.
;; Rows are padded to a multiple of 4 floats with zeros.
;; spmm(x, out, ptr, from, w, nodes, stride):
;;   for t in [0, nodes): out[t] = Σ_{k in [ptr[t], ptr[t+1])} w[k] · x[from[k]]
;; Each output row is accumulated in place while it sits in cache.
(module
  (memory (export "memory") 1)
  (func (export "spmm")
    (param $x i32) (param $out i32) (param $ptr i32) (param $from i32) (param $w i32)
    (param $nodes i32) (param $stride i32)
    (local $t i32) (local $k i32) (local $end i32) (local $j i32) (local $rowBytes i32)
    (local $orow i32) (local $xrow i32) (local $wv v128)
    (local.set $rowBytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $orow (local.get $out))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $t) (local.get $nodes)))
        (local.set $j (i32.const 0))
        (block $zeroed
          (loop $zero
            (br_if $zeroed (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $orow) (local.get $j)) (v128.const f32x4 0 0 0 0))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $zero)))
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
            (local.set $wv (f32x4.splat
              (f32.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 2))))))
            (local.set $j (i32.const 0))
            (block $rowDone
              (loop $row
                (br_if $rowDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
                (v128.store (i32.add (local.get $orow) (local.get $j))
                  (f32x4.add
                    (v128.load (i32.add (local.get $orow) (local.get $j)))
                    (f32x4.mul (local.get $wv)
                      (v128.load (i32.add (local.get $xrow) (local.get $j))))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $row)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $edges)))
        (local.set $orow (i32.add (local.get $orow) (local.get $rowBytes)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $rows)))))
