;; Rows of a matrix picked by index (gather along axis 0), in place on the memory of the tfjs
;; wasm backend (imported; pointers are byte offsets there): one bulk copy per row. The caller
;; has checked every index.
;; gather(x, ids, out, rows, rowBytes): out[r] = x[ids[r]]
(module
  (import "env" "memory" (memory 1))
  (func (export "gather")
    (param $x i32) (param $ids i32) (param $out i32) (param $rows i32) (param $rowBytes i32)
    (local $r i32)
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (memory.copy
          (local.get $out)
          (i32.add (local.get $x)
            (i32.mul
              (i32.load (i32.add (local.get $ids) (i32.shl (local.get $r) (i32.const 2))))
              (local.get $rowBytes)))
          (local.get $rowBytes))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))
