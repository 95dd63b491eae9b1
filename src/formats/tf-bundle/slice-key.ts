/**
 * Keys under which partitioned-variable slices are stored: TF's `EncodeTensorNameSlice`
 * (tensorflow/core/util/saved_tensor_slice_util.cc) in OrderedCode
 * (tensorflow/core/lib/strings/ordered_code.cc):
 *
 *   WriteNumIncreasing(0) | WriteString(name) | WriteNumIncreasing(rank)
 *   | for each dim: WriteSignedNumIncreasing(start) WriteSignedNumIncreasing(length)
 *
 * A full extent is written as start 0, length -1 (TensorSlice::kFullExtent). Because the key
 * starts with byte 0x00, slice keys sort after the header key `""` and before every tensor name.
 */
import type { SliceExtent } from './bundle-proto.js';

/** OrderedCode::WriteNumIncreasing: one length byte, then the value big-endian without leading zeros. */
function writeNumIncreasing(out: number[], val: bigint): void {
  const bytes: number[] = [];
  let v = val;
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  out.push(bytes.length, ...bytes);
}

/** OrderedCode::WriteString: 0x00 → 00 ff, 0xff → ff 00, then the separator 00 01. */
function writeString(out: number[], s: Uint8Array): void {
  for (const b of s) {
    if (b === 0x00) out.push(0x00, 0xff);
    else if (b === 0xff) out.push(0xff, 0x00);
    else out.push(b);
  }
  out.push(0x00, 0x01);
}

/** kLengthToHeaderBits of ordered_code.cc. */
const HEADER_BITS: ReadonlyArray<readonly [number, number]> = [
  [0, 0], [0x80, 0], [0xc0, 0], [0xe0, 0], [0xf0, 0], [0xf8, 0], [0xfc, 0], [0xfe, 0], [0xff, 0], [0xff, 0x80], [0xff, 0xc0],
];
/** kBitsToLength of ordered_code.cc. */
const BITS_TO_LENGTH = [
  1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4,
  4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 7,
  7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 10,
];

/** OrderedCode::WriteSignedNumIncreasing for an int64. */
export function writeSignedNumIncreasing(out: number[], val: bigint): void {
  const x = val < 0n ? -val - 1n : val; // ~val for negatives
  if (x < 64n) {
    out.push((HEADER_BITS[1]![0] ^ Number(BigInt.asUintN(8, val))) & 0xff);
    return;
  }
  const buf = new Array<number>(10).fill(val < 0n ? 0xff : 0);
  const u = BigInt.asUintN(64, val);
  for (let i = 0; i < 8; i++) buf[2 + i] = Number((u >> BigInt(56 - 8 * i)) & 0xffn);
  const log2 = x.toString(2).length - 1; // Log2Floor64(x), x ≥ 64
  const len = BITS_TO_LENGTH[log2 + 1]!;
  const begin = 10 - len;
  buf[begin] = buf[begin]! ^ HEADER_BITS[len]![0];
  buf[begin + 1] = buf[begin + 1]! ^ HEADER_BITS[len]![1];
  out.push(...buf.slice(begin));
}

/** The index key of one saved slice of tensor `name` (UTF-8 bytes). */
export function encodeTensorNameSlice(name: Uint8Array, slice: readonly SliceExtent[]): Uint8Array {
  const out: number[] = [];
  writeNumIncreasing(out, 0n);
  writeString(out, name);
  writeNumIncreasing(out, BigInt(slice.length));
  for (const e of slice) {
    writeSignedNumIncreasing(out, BigInt(e.start));
    writeSignedNumIncreasing(out, e.length === undefined ? -1n : BigInt(e.length));
  }
  return Uint8Array.from(out);
}
