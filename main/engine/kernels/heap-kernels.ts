import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

// Kernels that work in place on the tfjs wasm backend's memory: their modules import it, so a
// tensor is passed as its byte offset and nothing is copied in or out.

const instances = new WeakMap<BackendWasm, Map<string, object>>();

/** The module (base64) instantiated on `b`'s memory, once per backend. */
export function heapInstance<T>(b: BackendWasm, base64: string): T {
  let forBackend = instances.get(b);
  if (!forBackend) instances.set(b, (forBackend = new Map()));
  let exports = forBackend.get(base64);
  if (!exports) {
    const memory = (b.wasm as unknown as { asm: { memory: WebAssembly.Memory } }).asm.memory;
    const module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
    exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    forBackend.set(base64, exports);
  }
  return exports as T;
}

/** Where a tensor's data starts in the backend's memory, in bytes. */
export const heapOffset = (b: BackendWasm, t: tf.TensorInfo): number =>
  b.dataIdMap.get(t.dataId)!.memoryOffset;

/** The same in floats (the native addon's unit). */
export const heapFloatOffset = (b: BackendWasm, t: tf.TensorInfo): number => heapOffset(b, t) / 4;

/** The backend's memory as it is now (it is replaced when it grows: read it after allocating). */
export const heapBuffer = (b: BackendWasm): ArrayBuffer =>
  (b.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer as ArrayBuffer;

/**
 * A float32 tensor's values to read at once: on the wasm backend a view of its memory (no copy;
 * valid until the next allocation), elsewhere `dataSync()`.
 */
export function readNow(t: tf.Tensor): Float32Array {
  const b = tf.backend() as unknown as Partial<BackendWasm>;
  if (tf.getBackend() === 'wasm' && t.dtype === 'float32' && b.typedArrayFromHeap)
    return b.typedArrayFromHeap(t) as Float32Array;
  return t.dataSync() as Float32Array;
}
