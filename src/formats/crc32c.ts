/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init/xorout 0xFFFFFFFF) and TensorFlow's
 * CRC masking, as in tensorflow/core/lib/hash/crc32c.h (moved to tsl/lib/hash/crc32c.h):
 *
 *   Mask(c)   = ((c >> 15) | (c << 17)) + 0xa282ead8          (uint32 wrap-around)
 *   Unmask(m) = rot = m - 0xa282ead8; (rot >> 17) | (rot << 15)
 *
 * Every CRC TensorFlow stores (SSTable block trailers, BundleEntryProto.crc32c, TFRecord framing)
 * is masked.
 *
 * Speed: @node-rs/crc32's crc32c is table-driven software (its x64 binary has no `crc32q`
 * instruction), about 1.3 GB/s here — slower than reading the page cache. So buffers of 256 KiB
 * and more use a hardware (SSE4.2, three interleaved lanes) `crc32c` exported by Graft's native
 * addon when that addon is built and exports it (about 6-7 GB/s on the same machine); everything
 * else, and every machine without the addon, uses @node-rs/crc32. Both give identical results.
 * In a browser (`#graft/crc`, `browser` condition) a slicing-by-8 JS table does it (crc-js.ts).
 */
import { crc32c as softCrc32c, CRC_IMPLEMENTATION } from '#graft/crc';
import { loadAddon } from '../runtime/native/addon.js';

type Crc32cFn = (data: Uint8Array, initial: number) => number;
/** Smallest buffer worth loading the native addon for. */
const NATIVE_MIN_BYTES = 1 << 18;
let hardware: Crc32cFn | null | undefined;

function hardwareCrc32c(): Crc32cFn | null {
  if (hardware === undefined) {
    const addon = loadAddon().addon as unknown as { crc32c?: Crc32cFn } | undefined;
    hardware = typeof addon?.crc32c === 'function' ? addon.crc32c.bind(addon) : null;
  }
  return hardware;
}

/** Which implementation large buffers use: 'native-sse4.2', '@node-rs/crc32' (Node) or 'js-slice-by-8' (browser). */
export function crc32cImplementation(): string {
  return hardwareCrc32c() === null ? CRC_IMPLEMENTATION : 'native-sse4.2';
}

/** TensorFlow's mask delta (crc32c.h `kMaskDelta`). */
export const MASK_DELTA = 0xa282ead8;

/**
 * CRC-32C of `data`, continuing from `initial` (the CRC of the bytes before; default 0 = start).
 * `crc32c(b, crc32c(a))` equals `crc32c(a ‖ b)`. Returns an unsigned 32-bit integer.
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  if (data.length >= NATIVE_MIN_BYTES) {
    const hw = hardwareCrc32c();
    if (hw !== null) return hw(data, initial >>> 0) >>> 0;
  }
  return softCrc32c(data, initial) >>> 0;
}

/** TensorFlow's `crc32c::Mask`: rotate right by 15 bits and add a constant. */
export function maskCrc(crc: number): number {
  const c = crc >>> 0;
  return ((((c >>> 15) | (c << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** TensorFlow's `crc32c::Unmask`, the inverse of `maskCrc`. */
export function unmaskCrc(masked: number): number {
  const rot = ((masked >>> 0) - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
