/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init/xorout 0xFFFFFFFF) and TensorFlow's
 * CRC masking, as in tensorflow/core/lib/hash/crc32c.h (moved to tsl/lib/hash/crc32c.h):
 *
 *   Mask(c)   = ((c >> 15) | (c << 17)) + 0xa282ead8          (uint32 wrap-around)
 *   Unmask(m) = rot = m - 0xa282ead8; (rot >> 17) | (rot << 15)
 *
 * Every CRC TensorFlow stores (SSTable block trailers, BundleEntryProto.crc32c, TFRecord framing)
 * is masked. The checksum itself is computed by @node-rs/crc32 (SSE4.2 / ARMv8 CRC instructions).
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/** TensorFlow's mask delta (crc32c.h `kMaskDelta`). */
export const MASK_DELTA = 0xa282ead8;

/**
 * CRC-32C of `data`, continuing from `initial` (the CRC of the bytes before; default 0 = start).
 * `crc32c(b, crc32c(a))` equals `crc32c(a ‖ b)`. Returns an unsigned 32-bit integer.
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  return nativeCrc32c(data, initial) >>> 0;
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
