/**
 * Row writes into a variable in place (TF's `scatter_update` on a ref variable): TF.js has no
 * in-place scatter — `tensorScatterUpdate` copies the whole table — so on the wasm backend the
 * rows are copied inside the wasm heap straight into the variable's buffer, and on the cpu
 * backend into its typed array. Only when the variable owns its buffer (refCount 1: no clone or
 * reshape shares it) and everything is float32; otherwise it returns false and the caller copies.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './native/wasm-heap.js';

interface CpuBackendLike {
  data: { get(dataId: object): { values?: ArrayLike<number> & { set?: unknown }; refCount: number } | undefined };
}

/**
 * Write `rows` (`[k, ...rowShape]`) into rows `indices` (unique, in range) of `variable`.
 * Returns false (nothing written) when it cannot be done in place.
 */
export function scatterRowsInPlace(variable: tf.Variable, indices: Int32Array, rows: tf.Tensor): boolean {
  if (variable.dtype !== 'float32' || rows.dtype !== 'float32' || variable.rank < 1) return false;
  const rowSize = variable.size / variable.shape[0]!;
  if (rows.size !== indices.length * rowSize) return false;
  const n = variable.shape[0]!;
  for (const i of indices) if (i < 0 || i >= n) return false;
  const name = tf.getBackend();
  if (name === 'wasm') {
    const backend = tf.backend() as unknown as WasmBackendLike;
    const dst = backend.dataIdMap.get(variable.dataId);
    const src = backend.dataIdMap.get(rows.dataId);
    if (!dst || !src || dst.refCount > 1) return false;
    const heap = backend.wasm.HEAPU8;
    const bytes = rowSize * 4;
    for (let r = 0; r < indices.length; r++) heap.copyWithin(dst.memoryOffset + indices[r]! * bytes, src.memoryOffset + r * bytes, src.memoryOffset + (r + 1) * bytes);
    return true;
  }
  if (name === 'cpu') {
    const backend = tf.backend() as unknown as CpuBackendLike;
    const dst = backend.data.get(variable.dataId);
    if (!dst || dst.refCount > 1 || !(dst.values instanceof Float32Array)) return false;
    const values = rows.dataSync() as Float32Array;
    for (let r = 0; r < indices.length; r++) dst.values.set(values.subarray(r * rowSize, (r + 1) * rowSize), indices[r]! * rowSize);
    return true;
  }
  return false;
}
