/**
 * Zero-copy access to TF.js wasm tensors for the native kernels: a tensor's bytes live at
 * `dataIdMap.get(dataId).memoryOffset` in the wasm heap, outputs are allocated with
 * `makeOutput` (wasm malloc), and the heap view is taken after the last allocation of a call,
 * because growing wasm memory replaces its ArrayBuffer.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** What BackendWasm (tfjs-backend-wasm 4.22 `backend_wasm.ts`) keeps per tensor. */
export interface WasmTensorRecord {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

/** The members of BackendWasm the native kernels use, typed structurally. */
export interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): WasmTensorRecord | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function offsetOf(backend: WasmBackendLike, t: TensorInfo | undefined): number {
  if (t === undefined) return -1;
  const record = backend.dataIdMap.get(t.dataId);
  if (record === undefined) throw new RangeError(`wasm backend has no data for tensor ${JSON.stringify(t.shape)}`);
  return record.memoryOffset;
}

/** The current heap view; call after the last `makeOutput` of a kernel call. */
export function heapOf(backend: WasmBackendLike): Uint8Array {
  return backend.wasm.HEAPU8;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The same buffer presented with shape [0], for a kernel output that only carries saved state to
 * its gradient kernel. On the tape, every output without a gradient gets a zero-filled tensor of
 * its shape before the gradient function runs (tfjs-core engine `addTapeNode`). That is 1.3 M
 * floats a step for the LSTM's gates and cell states. Shape [0] makes it nothing. The buffer keeps
 * its full size on the wasm heap (the backend frees by dataId, not by shape), and the gradient
 * kernel reads it by offset. Such tensors never leave Graft's fused ops.
 */
export function opaque(t: TensorInfo): TensorInfo {
  return { dataId: t.dataId, shape: [0], dtype: t.dtype };
}
