/**
 * TensorFlow's on-disk layout of a DT_STRING tensor in a bundle data file (tensor_bundle.cc
 * `WriteStringTensor` / `ReadStringTensor`; docs/design/TF-SEMANTICS.md §4.5):
 *
 *   varint64 len[0] … len[n-1] | fixed32 Mask(c1) | bytes[0] ‖ … ‖ bytes[n-1]
 *
 * c1 = crc32c over each length as a little-endian uint32 (uint64 when > 0xFFFFFFFF) — not over
 * the varint bytes. The entry's crc32c = Mask(crc32c(those length words ‖ the 4 masked bytes ‖
 * all string bytes)); its size counts every byte above.
 */
import { crc32c, maskCrc, unmaskCrc } from '../crc32c.js';
import { ProtoReader, ProtoWriter } from '../proto/wire.js';
import { bundleError } from './errors.js';

function lengthWord(len: number): Uint8Array {
  if (len <= 0xffffffff) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, len, true);
    return b;
  }
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(len), true);
  return b;
}

/** Encode string elements: returns the stored bytes and the unmasked entry CRC. */
export function encodeStringTensor(strings: readonly Uint8Array[]): { data: Uint8Array; crc: number } {
  const w = new ProtoWriter();
  let crc = 0;
  for (const s of strings) {
    w.varint(s.length);
    crc = crc32c(lengthWord(s.length), crc);
  }
  const masked = new Uint8Array(4);
  new DataView(masked.buffer).setUint32(0, maskCrc(crc), true);
  w.raw(masked);
  crc = crc32c(masked, crc);
  for (const s of strings) {
    w.raw(s);
    crc = crc32c(s, crc);
  }
  return { data: w.finish(), crc };
}

/**
 * Decode `n` string elements from the stored bytes, checking the length checksum, that the lengths
 * account for every byte, and the entry CRC (`storedMaskedCrc` as in the index).
 */
export function decodeStringTensor(data: Uint8Array, n: number, storedMaskedCrc: number, file: string, key: string): Uint8Array[] {
  // Every element needs at least one varint byte, plus the 4-byte length checksum.
  if (n > data.length || data.length < 4) {
    throw bundleError('bad_string_tensor', file, `string tensor ${JSON.stringify(key)}: ${data.length} stored bytes cannot hold ${n} lengths and the length checksum`, {
      details: { key, elements: n, size: data.length },
    });
  }
  const r = new ProtoReader(data, `${file}: string tensor ${JSON.stringify(key)} lengths`);
  const lengths: number[] = new Array(n);
  let crc = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const len = r.varint();
    if (!Number.isSafeInteger(len) || len > data.length) {
      throw bundleError('bad_string_tensor', file, `string tensor ${JSON.stringify(key)}: element ${i} length ${len} exceeds the ${data.length} stored bytes`, { details: { key, element: i } });
    }
    lengths[i] = len;
    total += len;
    crc = crc32c(lengthWord(len), crc);
  }
  const headerEnd = r.pos + 4;
  if (headerEnd + total !== data.length) {
    throw bundleError('bad_string_tensor', file, `string tensor ${JSON.stringify(key)}: lengths add up to ${headerEnd + total} bytes but the entry size is ${data.length}`, {
      details: { key, expected: data.length, found: headerEnd + total },
    });
  }
  const stored = new DataView(data.buffer, data.byteOffset + r.pos, 4).getUint32(0, true);
  if (unmaskCrc(stored) !== crc) {
    throw bundleError('tensor_checksum_mismatch', file, `string tensor ${JSON.stringify(key)}: the length checksum does not match (stored 0x${unmaskCrc(stored).toString(16)}, computed 0x${crc.toString(16)})`, {
      details: { key, field: 'length_checksum' },
    });
  }
  crc = crc32c(data.subarray(r.pos, headerEnd), crc);
  const rest = data.subarray(headerEnd);
  crc = crc32c(rest, crc);
  if (crc !== unmaskCrc(storedMaskedCrc)) {
    throw bundleError('tensor_checksum_mismatch', file, `tensor ${JSON.stringify(key)}: checksum does not match: stored 0x${unmaskCrc(storedMaskedCrc).toString(16)} vs. calculated on the restored bytes 0x${crc.toString(16)}`, {
      details: { key, field: 'crc32c' },
    });
  }
  const out: Uint8Array[] = new Array(n);
  let p = 0;
  for (let i = 0; i < n; i++) {
    out[i] = rest.slice(p, p + lengths[i]!);
    p += lengths[i]!;
  }
  return out;
}
