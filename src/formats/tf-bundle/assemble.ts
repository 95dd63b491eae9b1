/**
 * Copying saved slices of a partitioned variable into the full tensor (TF's
 * `BundleReader::GetSliceValue`, tensor_bundle.cc) and byte-swapping tensors written on
 * big-endian hosts (BundleHeaderProto.endianness = BIG).
 */
import type { SliceExtent } from './bundle-proto.js';

/** Concrete [start, length] per dimension of `slice` in a tensor of `shape` (full extents expanded). */
export function sliceBox(shape: readonly number[], slice: readonly SliceExtent[]): { starts: number[]; lengths: number[] } {
  const starts: number[] = [];
  const lengths: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const e = slice[d]!;
    starts.push(e.length === undefined ? 0 : e.start);
    lengths.push(e.length === undefined ? shape[d]! : e.length);
  }
  return { starts, lengths };
}

/** Whether two boxes intersect in every dimension. */
export function boxesOverlap(a: { starts: number[]; lengths: number[] }, b: { starts: number[]; lengths: number[] }): boolean {
  for (let d = 0; d < a.starts.length; d++) {
    if (a.lengths[d] === 0 || b.lengths[d] === 0) return false;
    if (a.starts[d]! + a.lengths[d]! <= b.starts[d]! || b.starts[d]! + b.lengths[d]! <= a.starts[d]!) return false;
  }
  return true;
}

/** Copy a row-major box `src` (the slice's own bytes) into `dst` (the full tensor). */
export function copyBox(dst: Uint8Array, shape: readonly number[], box: { starts: number[]; lengths: number[] }, src: Uint8Array, elemSize: number): void {
  const rank = shape.length;
  if (rank === 0) {
    dst.set(src.subarray(0, elemSize));
    return;
  }
  // Row-major strides in bytes of the full tensor.
  const strides = new Array<number>(rank);
  let s = elemSize;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  const run = box.lengths[rank - 1]! * elemSize;
  if (run === 0 || box.lengths.some((l) => l === 0)) return;
  const idx = new Array<number>(rank - 1).fill(0);
  let srcOff = 0;
  for (;;) {
    let dstOff = box.starts[rank - 1]! * elemSize;
    for (let d = 0; d < rank - 1; d++) dstOff += (box.starts[d]! + idx[d]!) * strides[d]!;
    dst.set(src.subarray(srcOff, srcOff + run), dstOff);
    srcOff += run;
    let d = rank - 2;
    while (d >= 0) {
      idx[d]!++;
      if (idx[d]! < box.lengths[d]!) break;
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}

/** Reverse the bytes of every `wordSize`-byte word in place (BIG → little endian). */
export function byteSwap(data: Uint8Array, wordSize: number): void {
  if (wordSize <= 1) return;
  for (let i = 0; i + wordSize <= data.length; i += wordSize) {
    for (let a = i, b = i + wordSize - 1; a < b; a++, b--) {
      const t = data[a]!;
      data[a] = data[b]!;
      data[b] = t;
    }
  }
}
