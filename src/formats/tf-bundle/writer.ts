/**
 * Writing a TensorFlow V2 checkpoint, byte-identical to TensorFlow's BundleWriter
 * (tensor_bundle.cc `BundleWriter::Add` / `Finish`; TF-SEMANTICS.md §4):
 *
 * - data file `<prefix>.data-00000-of-00001`: tensors appended in the order they are written,
 *   no padding (data_alignment 1); numeric/bool/complex as raw little-endian bytes, strings in
 *   TF's layout; each entry records offset, size and Mask(crc32c(bytes));
 * - index `<prefix>.index`: SSTable (table-builder.ts) with `""` → BundleHeaderProto
 *   {num_shards 1, LITTLE, version {producer 1}} then one BundleEntryProto per key, bytewise sorted.
 *
 * Layout order: an Array of tensors is first sorted by name (UTF-8 bytes), because TF1's Saver
 * sorts names before SaveV2 and so lays out data in sorted-key order; any other iterable (e.g. an
 * async generator streaming from a model) is written in arrival order, as BundleWriter.Add does.
 *
 * Streaming and atomicity: tensor bytes go straight to a temporary of the data file (one tensor in
 * memory at a time — the caller's); the index goes to a temporary too, and both are published
 * together by io/publish.ts (temporaries → commit marker → renames, data before index), so even
 * overwriting an existing prefix leaves the old bundle or the new one after a crash at any point,
 * never an old index over new data (the next writer or reader rolls an interrupted publish
 * forward). Data shards of an older bundle under the same prefix that the new one lacks are
 * removed in the same publish.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import { Publish } from '../../io/publish.js';
import { withFsErrors } from '../../io/fs-errors.js';
import { crc32c, maskCrc } from '../crc32c.js';
import { DTYPE_SIZE, DTYPES, type TensorValue } from '../types.js';
import { LITTLE, TENSOR_BUNDLE_MIN_CONSUMER, TENSOR_BUNDLE_VERSION, encodeBundleEntry, encodeBundleHeader, type BundleEntry } from './bundle-proto.js';
import { TF_DTYPE_ENUM } from './dtypes.js';
import { dataFilename, metaFilename } from './naming.js';
import { encodeStringTensor } from './string-tensor.js';
import { compareBytes } from './table.js';
import { TableBuilder } from './table-builder.js';
import type { WriteBundleOptions, WriteBundleReport } from './types.js';

const utf8 = new TextEncoder();

function badTensor(code: string, prefix: string, name: string, what: string): InvalidArgumentError {
  return new InvalidArgumentError(code, `${prefix}: tensor ${JSON.stringify(name)}: ${what}`, {
    hint: 'pass tensors as {name, dtype, shape, data} with data.length = elements × dtype width (strings: one Uint8Array per element)',
    details: { prefix, name },
  });
}

/** Check a TensorValue and return its element count. */
function validate(prefix: string, t: TensorValue): number {
  if (typeof t.name !== 'string' || t.name.length === 0) throw badTensor('invalid_name', prefix, String(t.name), 'the name is empty (the empty key holds the bundle header)');
  if (!DTYPES.includes(t.dtype)) throw badTensor('unsupported_dtype', prefix, t.name, `unknown dtype ${JSON.stringify(t.dtype)}`);
  let n = 1;
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw badTensor('bad_shape', prefix, t.name, `shape [${t.shape.join(',')}] has a dimension that is not a non-negative integer`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw badTensor('bad_shape', prefix, t.name, `shape [${t.shape.join(',')}] has more than 2^53 elements`);
  if (t.dtype === 'string') {
    if (t.strings === undefined || t.strings.length !== n) throw badTensor('size_mismatch', prefix, t.name, `string tensor of shape [${t.shape.join(',')}] needs ${n} elements in .strings, got ${t.strings?.length ?? 'none'}`);
  } else if (t.data.length !== n * DTYPE_SIZE[t.dtype]) {
    throw badTensor('size_mismatch', prefix, t.name, `${t.dtype} [${t.shape.join(',')}] needs ${n * DTYPE_SIZE[t.dtype]} bytes, data has ${t.data.length}`);
  }
  return n;
}

async function* sortedIfArray(tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>): AsyncIterable<TensorValue> {
  if (Array.isArray(tensors)) {
    const keyed = (tensors as TensorValue[]).map((t) => ({ t, k: utf8.encode(t.name) }));
    keyed.sort((a, b) => compareBytes(a.k, b.k));
    for (const { t } of keyed) yield t;
    return;
  }
  yield* tensors as AsyncIterable<TensorValue>;
}

/**
 * Write tensors as a TensorFlow V2 checkpoint at `prefix` (`prefix.index` +
 * `prefix.data-00000-of-00001`), streaming, atomically and (by default) durably.
 * @throws InvalidArgumentError `duplicate_tensor`, `invalid_name`, `unsupported_dtype`,
 *   `bad_shape`, `size_mismatch` for bad input (nothing is left under the final names).
 * @example
 *   await writeBundle('runs/model.ckpt-1000', [
 *     { name: 'dense/kernel', dtype: 'float32', shape: [2, 3], data: new Uint8Array(24) },
 *   ]);
 */
export async function writeBundle(
  prefix: string,
  tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>,
  options: WriteBundleOptions = {},
): Promise<WriteBundleReport> {
  const fsync = options.fsync ?? true;
  const dir = dirname(prefix);
  const base = basename(prefix);
  await withFsErrors('create directory', dir, () => mkdir(dir, { recursive: true }));
  const entries = new Map<string, { key: Uint8Array; entry: BundleEntry }>();
  const publish = await Publish.begin(dir, base, { fsync });
  try {
    const data = await publish.create(basename(dataFilename(prefix, 0, 1)));
    for await (const t of sortedIfArray(tensors)) {
      validate(prefix, t);
      if (entries.has(t.name)) throw badTensor('duplicate_tensor', prefix, t.name, `Adding duplicate key: ${t.name}`);
      const offset = data.bytesWritten;
      let size: number;
      let crc: number;
      if (t.dtype === 'string') {
        const enc = encodeStringTensor(t.strings!);
        await data.write(enc.data);
        size = enc.data.length;
        crc = enc.crc;
      } else {
        // The write runs on libuv's pool while the CRC is computed here.
        const pending = data.write(t.data);
        crc = crc32c(t.data);
        await pending;
        size = t.data.length;
      }
      entries.set(t.name, {
        key: utf8.encode(t.name),
        entry: { dtype: TF_DTYPE_ENUM[t.dtype], shape: [...t.shape], shardId: 0, offset, size, crc32c: maskCrc(crc), slices: [] },
      });
    }
    const dataBytes = data.bytesWritten;

    const table = new TableBuilder();
    table.add(new Uint8Array(0), encodeBundleHeader({
      numShards: 1,
      endianness: LITTLE,
      version: { producer: TENSOR_BUNDLE_VERSION, minConsumer: TENSOR_BUNDLE_MIN_CONSUMER, badConsumers: [] },
    }));
    const sorted = [...entries.values()].sort((a, b) => compareBytes(a.key, b.key));
    for (const { key, entry } of sorted) table.add(key, encodeBundleEntry(entry));
    const indexBytes = table.finish();
    const index = await publish.create(basename(metaFilename(prefix)));
    await index.write(indexBytes);
    // Data shards of an older bundle at this prefix (e.g. TF's 2-shard save) go in the same publish.
    const shard = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.data-\\d{5}-of-\\d{5}$`);
    publish.remove((await readdir(dir).catch(() => [] as string[])).filter((n) => shard.test(n)));
    await publish.commit();
    return { prefix, bytes: dataBytes + indexBytes.length, tensors: entries.size };
  } catch (e) {
    await publish.abort();
    throw e;
  }
}
