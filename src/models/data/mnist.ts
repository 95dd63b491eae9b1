/**
 * MNIST from the bundled IDX files (`data/mnist/*.gz`, gunzipped with fflate, so it also runs in a page).
 *
 * IDX (LeCun): big-endian u32 magic `0x00000803` (2051, images: count, rows, cols, then u8 pixels
 * row-major) or `0x00000801` (2049, labels: count, then u8 labels). Every header number is
 * checked against the file size before it is used.
 */
import { readFile } from '../../io/fs.js';
import { gunzipSync } from 'fflate';
import { FormatError, GraftError, InvalidArgumentError } from '../../errors.js';
import type { ExampleSet } from './example-set.js';
import { subset } from './example-set.js';
import { dataPath } from './paths.js';
import { shuffledIndices } from './random.js';

/** IDX magic of an image file (u8, 3 dims). */
export const IDX_IMAGES_MAGIC = 2051;
/** IDX magic of a label file (u8, 1 dim). */
export const IDX_LABELS_MAGIC = 2049;

/** A parsed IDX file: its dimensions and the u8 payload. */
export interface IdxInfo {
  dims: number[];
  data: Uint8Array;
}

/** Parse an (already gunzipped) u8 IDX file; `what` names it in errors. */
export function parseIdx(bytes: Uint8Array, what = 'idx file'): IdxInfo {
  if (bytes.length < 8) {
    throw new FormatError('idx_truncated', `${what}: ${bytes.length} bytes is too short for an IDX header`, {
      hint: 'the file is truncated or not IDX; re-copy it from the dataset',
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic >>> 8 !== 0x08) {
    throw new FormatError('idx_bad_magic', `${what}: magic 0x${magic.toString(16).padStart(8, '0')} is not an unsigned-byte IDX file (0x00000801 or 0x00000803)`, {
      hint: 'pass the gunzipped MNIST images or labels file',
      details: { magic },
    });
  }
  const ndim = magic & 0xff;
  const headerSize = 4 + 4 * ndim;
  if (ndim < 1 || ndim > 4 || bytes.length < headerSize) {
    throw new FormatError('idx_truncated', `${what}: header declares ${ndim} dimensions but the file has ${bytes.length} bytes`, {
      hint: 'the file is truncated or not IDX',
    });
  }
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - headerSize !== size) {
    throw new FormatError('idx_size_mismatch', `${what}: header says ${dims.join('x')} = ${size} bytes of data but the file holds ${bytes.length - headerSize}`, {
      hint: 'the file is truncated or corrupt; re-copy it',
      details: { dims, expected: size, found: bytes.length - headerSize },
    });
  }
  return { dims, data: bytes.subarray(headerSize) };
}

/** Options for {@link loadMnist}. */
export interface LoadMnistOptions {
  /** `train` (10,000 digits, disjoint from test) or `test` (the official 10,000). Default `train`. */
  split?: 'train' | 'test';
  /** Keep only these digits (e.g. `[0,1,2,3,4]`); default all ten. */
  digits?: readonly number[];
  /** Shuffle with this seed before `limit` is applied; default: file order. */
  seed?: number;
  /** Keep at most this many examples. */
  limit?: number;
}

async function gunzipFile(path: string): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    raw = await readFile(path);
  } catch (e) {
    throw new GraftError('data_not_found', `cannot read ${path}`, { hint: 'the data file is missing; set GRAFT_DATA_DIR to a folder holding mnist/ and banking77/ (the data/ folder of a clone of the Graft repository; the npm package ships without it)', cause: e });
  }
  try {
    return new Uint8Array(gunzipSync(raw));
  } catch (e) {
    throw new FormatError('gzip_corrupt', `${path}: not a valid gzip file`, { hint: 're-copy the file', cause: e });
  }
}

/**
 * Load MNIST as an ExampleSet: images float32 `[n,28,28,1]` in [0,1], labels 0..k-1.
 * With `digits`, labels are renumbered in the order given (digits 5–9 → labels 0–4) and
 * `classNames` holds the digits as strings.
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<ExampleSet> {
  const split = options.split ?? 'train';
  const stem = split === 'train' ? 'train10k' : 't10k';
  const imgPath = dataPath('mnist', `${stem}-images-idx3-ubyte.gz`);
  const lblPath = dataPath('mnist', `${stem}-labels-idx1-ubyte.gz`);
  const images = parseIdx(await gunzipFile(imgPath), imgPath);
  const labels = parseIdx(await gunzipFile(lblPath), lblPath);
  if (images.dims.length !== 3 || labels.dims.length !== 1 || images.dims[0] !== labels.dims[0]) {
    throw new FormatError('idx_shape_mismatch', `${imgPath}: ${images.dims.join('x')} images do not match ${labels.dims.join('x')} labels`, {
      hint: 'the images and labels files must come from the same split',
    });
  }
  const digits = options.digits ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  for (const d of digits) {
    if (!Number.isInteger(d) || d < 0 || d > 9) {
      throw new InvalidArgumentError('bad_digit', `digit ${d} is not 0..9`, { hint: 'pass digits like [5,6,7,8,9]' });
    }
  }
  const labelOf = new Int32Array(10).fill(-1);
  digits.forEach((d, i) => (labelOf[d] = i));
  const [n, h, w] = images.dims as [number, number, number];
  const x = new Float32Array(n * h * w);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
  const all: ExampleSet = {
    x,
    exampleShape: [h, w, 1],
    labels: Int32Array.from(labels.data, (l) => labelOf[l] ?? -1),
    classNames: digits.map(String),
    count: n,
  };
  let order: number[] = [];
  const perm = options.seed === undefined ? null : shuffledIndices(n, options.seed);
  for (let k = 0; k < n; k++) {
    const i = perm ? perm[k]! : k;
    if (all.labels[i]! >= 0) order.push(i);
  }
  if (options.limit !== undefined) order = order.slice(0, Math.max(0, options.limit));
  return subset(all, order);
}
