;; UnsortedSegmentSum of rows, f32x4 SIMD, in place on the memory of the tfjs wasm backend
;; (imported): every pointer is a byte offset of a tensor there. Rows of `inner` floats (the
;; last inner mod 4 are scalar); ids outside [0, segments) are skipped, as tfjs does.
;; segsum(x, ids, out, rows, inner, segments): out[s] = Σ_{r: ids[r] = s} x[r]
(module
  (import "env" "memory" (memory 1))
  (func (export "segsum")
    (param $x i32) (param $ids i32) (param $out i32)
    (param $rows i32) (param $inner i32) (param $segments i32)
    (local $r i32) (local $seg i32) (local $j i32) (local $rowBytes i32) (local $vecBytes i32)
    (local $src i32) (local $dst i32)
    (local.set $rowBytes (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $vecBytes (i32.shl (i32.and (local.get $inner) (i32.const -4)) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0)
      (i32.mul (local.get $segments) (local.get $rowBytes)))
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $seg (i32.load (i32.add (local.get $ids) (i32.shl (local.get $r) (i32.const 2)))))
        ;; Unsigned compare: a negative id is a large unsigned one, skipped too.
        (if (i32.lt_u (local.get $seg) (local.get $segments))
          (then
            (local.set $src (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $rowBytes))))
            (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $seg) (local.get $rowBytes))))
            (local.set $j (i32.const 0))
            (block $vecDone
              (loop $vec
                (br_if $vecDone (i32.ge_u (local.get $j) (local.get $vecBytes)))
                (v128.store (i32.add (local.get $dst) (local.get $j))
                  (f32x4.add
                    (v128.load (i32.add (local.get $dst) (local.get $j)))
                    (v128.load (i32.add (local.get $src) (local.get $j)))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $vec)))
            (block $tailDone
              (loop $tail
                (br_if $tailDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
                (f32.store (i32.add (local.get $dst) (local.get $j))
                  (f32.add
                    (f32.load (i32.add (local.get $dst) (local.get $j)))
                    (f32.load (i32.add (local.get $src) (local.get $j)))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $tail)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))
