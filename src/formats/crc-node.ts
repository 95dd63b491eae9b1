/** Node's CRC-32 / CRC-32C behind `#graft/crc` (package.json `imports`): @node-rs/crc32; crc-js.ts in a browser. */
import { crc32 as rsCrc32, crc32c as rsCrc32c } from '@node-rs/crc32';

/** CRC-32 (IEEE), continuing from `initial`; unsigned. */
export const crc32 = (data: Uint8Array, initial = 0): number => rsCrc32(data, initial) >>> 0;
/** CRC-32C (Castagnoli), continuing from `initial`; unsigned. */
export const crc32c = (data: Uint8Array, initial = 0): number => rsCrc32c(data, initial) >>> 0;
/** Which implementation this is, for `crc32cImplementation()`. */
export const CRC_IMPLEMENTATION: string = '@node-rs/crc32';
