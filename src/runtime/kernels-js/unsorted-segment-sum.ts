/**
 * UnsortedSegmentSum for wasm, which TF.js 4.22's wasm backend lacks; it is the gradient of
 * `gather` (every embedding lookup; docs/design/ENGINE-STUDY.md §2). One pass in JS over the wasm heap:
 * out[ids[i], …] += x[i, …], in index order (the cpu backend's order, so sums match it bit for bit
 * up to the accumulation dtype). As TensorFlow does, negative ids are dropped; an id ≥ numSegments
 * is an error (TF's CPU kernel raises InvalidArgument for it).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';
import type { WasmBackend } from './wasm-backend.js';

/** Kernel name as TF.js registers it. */
export const UNSORTED_SEGMENT_SUM = 'UnsortedSegmentSum';

/** Sum slices of `x` into `numSegments` rows by `segmentIds` (which covers a prefix of x's axes). */
export function unsortedSegmentSum(args: {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  backend: WasmBackend;
  attrs: { numSegments: number };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs;
  const n = segmentIds.shape.reduce((a, b) => a * b, 1);
  const rest = x.shape.slice(segmentIds.shape.length);
  const slice = rest.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([attrs.numSegments, ...rest], x.dtype);
  // typed arrays after the allocation: makeOutput may grow (and so detach) the wasm heap
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  dst.fill(0);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id < 0) continue;
    if (id >= attrs.numSegments) {
      backend.disposeData(out.dataId);
      throw new InvalidArgumentError('segment_id_out_of_range',
        `UnsortedSegmentSum: segment id ${id} at position ${i} is not below numSegments ${attrs.numSegments}`,
        { hint: 'an index passed to gather/embedding lookup is larger than the table; check the vocabulary size' });
    }
    const o = id * slice;
    const s = i * slice;
    for (let k = 0; k < slice; k++) dst[o + k] += src[s + k];
  }
  return out;
}

/** Registration record for the wasm backend. */
export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UNSORTED_SEGMENT_SUM,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
