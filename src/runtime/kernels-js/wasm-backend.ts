/**
 * The few parts of TF.js's wasm backend (`BackendWasm`, 4.22) that Graft's JS kernels use, typed
 * structurally so the pack needs no private import: tensor records on the wasm heap, output
 * allocation, and calling another registered kernel directly (no engine, no tape).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DataType, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendError } from '../../errors.js';

/** What BackendWasm keeps per tensor (backend_wasm.ts `TensorData`). */
export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

/** The members of BackendWasm that the JS kernels touch. */
export interface WasmBackend {
  dataIdMap: { get(dataId: object): WasmTensorData | undefined; delete(dataId: object): boolean };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): TensorInfo;
  wasm: { tfjs: { disposeData(id: number): void } };
  disposeData(dataId: object, force?: boolean): boolean;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** A kernel function as TF.js calls it. */
export type KernelFn = (args: {
  inputs: Record<string, TensorInfo>;
  backend: unknown;
  attrs?: NamedAttrMap;
}) => TensorInfo | TensorInfo[];

/** The kernel function registered for `name` on wasm right now, or a BackendError. */
export function wasmKernel(name: string): KernelFn {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) {
    throw new BackendError('kernel_missing', `TF.js kernel '${name}' is not registered for backend 'wasm'`, {
      hint: 'load @tensorflow/tfjs-backend-wasm (initBackend() does) before registering the JS kernel pack',
    });
  }
  return config.kernelFunc as unknown as KernelFn;
}

/** Run kernel `fn` directly on `backend`, expecting one output. */
export function run(
  fn: KernelFn,
  backend: WasmBackend,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const out = fn({ inputs, backend, attrs: attrs as NamedAttrMap });
  return Array.isArray(out) ? out[0]! : out;
}

/** The same data seen with another shape (no copy; the caller must not dispose it). */
export function view(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** Free intermediate results made inside a composed kernel. */
export function disposeAll(backend: WasmBackend, ...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

/** A float32 view of a tensor's bytes on the wasm heap; take it after every allocation. */
export function heapF32(backend: WasmBackend, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/**
 * A fresh copy of a tensor on the wasm heap, for kernels that then write into it. Not the
 * `Identity` kernel: the pack's (and the native) Identity shares the input's buffer.
 */
export function copyOf(backend: WasmBackend, t: TensorInfo): TensorInfo {
  const out = backend.makeOutput([...t.shape], t.dtype);
  (backend.typedArrayFromHeap(out) as Float32Array).set(backend.typedArrayFromHeap(t) as Float32Array);
  return out;
}

/**
 * The same memory under a new tensor id, for passing as the `b` operand of wasm's BatchMatMul in a
 * shape the tensor does not have. The stock kernel caches its XNNPACK operator (with the packed
 * `b`) by b's id alone, not by shape, until that id is disposed: a view of one tensor used as `b`
 * in two shapes would hit the first shape's operator and read out of bounds. Release the alias
 * with {@link dropAlias} (which frees the cached operator but not the memory). `offsetElements`
 * (4-byte elements) makes an alias of a part of the tensor.
 */
export function aliasOf(backend: WasmBackend, t: TensorInfo, shape: number[], offsetElements = 0): TensorInfo {
  const record = backend.dataIdMap.get(t.dataId);
  if (record === undefined) {
    throw new BackendError('tensor_not_on_wasm', `tensor of shape [${t.shape}] has no data on the wasm backend`, {
      hint: 'run the JS kernel pack only with the wasm backend active',
    });
  }
  return backend.makeOutput(shape, t.dtype, record.memoryOffset + 4 * offsetElements);
}

/** Forget an alias made by {@link aliasOf}: its id (and what wasm cached for it), not the memory. */
export function dropAlias(backend: WasmBackend, alias: TensorInfo): void {
  const record = backend.dataIdMap.get(alias.dataId);
  if (record === undefined) return;
  backend.dataIdMap.delete(alias.dataId);
  backend.wasm.tfjs.disposeData(record.id);
}
