/**
 * Snappy-compressed SSTable blocks (block type 1, `kSnappyCompression`), as TensorFlow's table
 * reader accepts them (tensorflow/core/lib/io/format.cc `ReadBlock`, later tsl/lib/io/format.cc):
 * `Snappy_GetUncompressedLength` then `Snappy_Uncompress`; failure of either is DataLoss
 * "corrupted compressed block contents". Any type other than 0 and 1 is "bad block type".
 *
 * Who writes them: TF 1.1's BundleWriter and MergeBundles used default `table::Options`, whose
 * compression is snappy; TF 1.2 and later set kNoCompression (tensor_bundle.cc
 * `TableBuilderOptions`: "Compressed tables cannot be read by TensorFlow releases prior to 1.1").
 * Real files with type-1 blocks exist (test/fixtures/savedmodel/serving-*, tfx-*: SavedModels of
 * a public repository tensorflow/serving and tensorflow/tfx).
 * TableBuilder keeps the compressed form only when it saves at least 1/8 of the block
 * (table_builder.cc `WriteBlock`), else writes the block raw with type 0.
 *
 * The decoder is the `snappyjs` package (pure JS, so it also runs in a browser). It does not
 * check that the element stream produces exactly the declared length or that a copy stays
 * inside the output, so the stream is walked here first (`checkSnappyStream`), and the declared
 * length is bounded before anything is allocated.
 */
import { compress, uncompress } from 'snappyjs';
import { bundleError } from './errors.js';

/** Block type byte of an uncompressed block. */
export const NO_COMPRESSION = 0;
/** Block type byte of a snappy-compressed block. */
export const SNAPPY_COMPRESSION = 1;
/**
 * Largest uncompressed size accepted for one index block. TF writes blocks of about
 * `block_size` (256 KiB), a block grows past it only by its last entry, and bundle entries are
 * small; 64 MiB is far above anything TF writes and bounds what a hostile preamble can allocate.
 */
export const MAX_UNCOMPRESSED_BLOCK = 64 * 1024 * 1024;

/** Snappy's varint32 preamble: [length, bytes used], or undefined if malformed. */
function readPreamble(b: Uint8Array): [number, number] | undefined {
  let result = 0;
  for (let i = 0; i < 5 && i < b.length; i++) {
    const c = b[i]!;
    if (i === 4 && c > 0x0f) return undefined;
    result += (c & 0x7f) * 2 ** (7 * i);
    if (c < 0x80) return [result, i + 1];
  }
  return undefined;
}

/**
 * Walk the element stream (literals and copies, snappy format_description.txt) and return an
 * error text if it is malformed: a tag or literal past the end, a copy with offset 0 or before
 * the start of the output, or a total other than `length`.
 */
export function checkSnappyStream(b: Uint8Array, start: number, length: number): string | undefined {
  let pos = start;
  let out = 0;
  while (pos < b.length) {
    const tag = b[pos++]!;
    const kind = tag & 3;
    let len: number;
    if (kind === 0) {
      len = (tag >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60;
        if (pos + extra > b.length) return `literal length at byte ${pos - 1} runs past the end`;
        len = 0;
        for (let i = 0; i < extra; i++) len += b[pos + i]! * 2 ** (8 * i);
        len += 1;
        pos += extra;
      }
      if (pos + len > b.length) return `literal of ${len} bytes at byte ${pos} runs past the end`;
      pos += len;
    } else {
      let offset: number;
      if (kind === 1) {
        if (pos + 1 > b.length) return `copy at byte ${pos - 1} runs past the end`;
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | b[pos]!;
        pos += 1;
      } else if (kind === 2) {
        if (pos + 2 > b.length) return `copy at byte ${pos - 1} runs past the end`;
        len = (tag >>> 2) + 1;
        offset = b[pos]! | (b[pos + 1]! << 8);
        pos += 2;
      } else {
        if (pos + 4 > b.length) return `copy at byte ${pos - 1} runs past the end`;
        len = (tag >>> 2) + 1;
        offset = (b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16)) + b[pos + 3]! * 2 ** 24;
        pos += 4;
      }
      if (offset === 0 || offset > out) return `copy at byte ${pos} refers ${offset} bytes back from output position ${out}`;
    }
    out += len;
    if (out > length) return `elements produce more than the ${length} bytes the preamble declares`;
  }
  if (out !== length) return `elements produce ${out} bytes, the preamble declares ${length}`;
  return undefined;
}

/** Decompress one snappy block's stored contents (the CRC was already checked on them). */
export function uncompressSnappyBlock(stored: Uint8Array, file: string, what: string, offset: number): Uint8Array {
  const bad = (msg: string): never => {
    throw bundleError('bad_block', file, `${what} at offset ${offset}: corrupted compressed block contents (snappy): ${msg}`, {
      details: { field: what, offset, compression: 'snappy' },
    });
  };
  const pre = readPreamble(stored);
  if (pre === undefined) return bad('bad uncompressed-length preamble');
  const [length, used] = pre;
  if (length > MAX_UNCOMPRESSED_BLOCK) {
    throw bundleError('bad_block', file, `${what} at offset ${offset}: snappy block declares ${length} uncompressed bytes, more than the ${MAX_UNCOMPRESSED_BLOCK} accepted for one index block`, {
      details: { field: what, offset, compression: 'snappy', declared: length, limit: MAX_UNCOMPRESSED_BLOCK },
    });
  }
  const problem = checkSnappyStream(stored, used, length);
  if (problem !== undefined) bad(problem);
  try {
    // A plain Uint8Array copy: snappyjs returns a Buffer for Buffer input, a Uint8Array otherwise.
    return uncompress(new Uint8Array(stored.buffer, stored.byteOffset, stored.length), length);
  } catch (e) {
    return bad(e instanceof Error ? e.message : String(e));
  }
}

/**
 * TableBuilder::WriteBlock's choice for snappy: the compressed bytes and type 1 if they are
 * smaller than raw − raw/8, else the raw bytes and type 0.
 */
export function maybeCompressSnappy(raw: Uint8Array): { contents: Uint8Array; type: number } {
  const c = compress(raw);
  if (c.length < raw.length - Math.floor(raw.length / 8)) return { contents: c, type: SNAPPY_COMPRESSION };
  return { contents: raw, type: NO_COMPRESSION };
}
