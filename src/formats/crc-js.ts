/**
 * CRC-32 (IEEE 802.3, zip) and CRC-32C (Castagnoli) in plain JS, slicing-by-8 tables: the browser
 * implementation behind `#graft/crc` (package.json `imports`); Node uses @node-rs/crc32
 * (crc-node.ts). Same signature and results (test/formats/crc-js.test.ts compares them):
 * `crc(data, initial)` continues from the CRC of the bytes before (0 = start), unsigned 32-bit.
 */
function tables(poly: number): Uint32Array[] {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[0]![n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[0]![n]!;
    for (let k = 1; k < 8; k++) {
      c = t[0]![c & 0xff]! ^ (c >>> 8);
      t[k]![n] = c >>> 0;
    }
  }
  return t;
}

function make(poly: number): (data: Uint8Array, initial?: number) => number {
  let T: Uint32Array[] | undefined;
  return (data, initial = 0) => {
    T ??= tables(poly);
    const [t0, t1, t2, t3, t4, t5, t6, t7] = T as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    let c = ~initial >>> 0;
    let i = 0;
    const n = data.length;
    for (; i + 8 <= n; i += 8) {
      const a = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
      c = t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]!
        ^ t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
    }
    for (; i < n; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    return ~c >>> 0;
  };
}

/** CRC-32 (IEEE, reflected 0xEDB88320), as zip stores it. */
export const crc32 = make(0xedb88320);
/** CRC-32C (Castagnoli, reflected 0x82F63B78), as TensorFlow stores it (before masking). */
export const crc32c = make(0x82f63b78);
/** Which implementation this is, for `crc32cImplementation()`. */
export const CRC_IMPLEMENTATION = 'js-slice-by-8';
