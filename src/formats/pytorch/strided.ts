/**
 * Strided views to row-major bytes: torch tensors are (storage, offset, size, stride) views;
 * Graft's readers return row-major (C order) little-endian bytes.
 */

/** Whether `stride` is the row-major stride of `shape` (dimensions of size 1 may have any stride, as torch's `is_contiguous`). */
export function isRowMajor(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/**
 * Copy the view of `span` (storage bytes from the view's first element) into `target` in row-
 * major order, `el` bytes per element. The innermost dimension is copied as a run when its stride is 1.
 */
export function gatherStrided(span: Uint8Array, target: Uint8Array, shape: readonly number[], stride: readonly number[], el: number): void {
  const nd = shape.length;
  if (nd === 0) { target.set(span.subarray(0, el)); return; }
  const inner = shape[nd - 1]!, innerStride = stride[nd - 1]!;
  const idx = new Array<number>(nd - 1).fill(0);
  let out = 0, src = 0;
  for (;;) {
    if (innerStride === 1) {
      target.set(span.subarray(src * el, (src + inner) * el), out);
      out += inner * el;
    } else {
      for (let j = 0, s = src * el; j < inner; j++, s += innerStride * el) {
        for (let b = 0; b < el; b++) target[out++] = span[s + b]!;
      }
    }
    // Odometer over the outer dimensions.
    let d = nd - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      src += stride[d]!;
      if (idx[d]! < shape[d]!) break;
      src -= stride[d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Reverse the bytes of each `width`-byte word in place (big-endian storages → little-endian). */
export function swapBytes(b: Uint8Array, width: number): void {
  if (width <= 1) return;
  for (let i = 0; i + width <= b.length; i += width) {
    for (let l = i, r = i + width - 1; l < r; l++, r--) { const t = b[l]!; b[l] = b[r]!; b[r] = t; }
  }
}
