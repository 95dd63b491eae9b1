/**
 * Writing a TensorFlow V2 checkpoint, byte-identical to TensorFlow's BundleWriter
 * (tensor_bundle.cc `BundleWriter::Add` / `Finish`; docs/design/TF-SEMANTICS.md §4):
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
 * Streaming and atomicity: tensor bytes go straight to a temporary sibling of the data file (one
 * tensor in memory at a time — the caller's); the data file is committed (fsync + rename) first,
 * then the index the same way, as TF's BundleWriter renames its `.tempstate` files. A crash before
 * the index rename leaves no new `.index`, so no half-written checkpoint under a new prefix.
 * Overwriting an existing prefix cannot be atomic with TF's two fixed file names: between the
 * two renames the old index meets the new data; the per-tensor CRCs make a reader detect that
 * (`tensor_checksum_mismatch` / `size_mismatch`) — use a new prefix per save (model.ckpt-N) and
 * the `checkpoint` state file as the commit point, as TF's Saver does.
 */
import { mkdir, readdir } from '../../io/fs.js';
import { basename, dirname } from '../../io/path.js';
import { InvalidArgumentError } from '../../errors.js';
import { beginPublish, type PublishFile } from '../../io/sink.js';
import { withFsErrors } from '../../io/fs-errors.js';
import { crc32c, maskCrc } from '../crc32c.js';
import { DTYPE_SIZE, DTYPES, type TensorValue } from '../types.js';
import { LITTLE, TENSOR_BUNDLE_MIN_CONSUMER, TENSOR_BUNDLE_VERSION, encodeBundleEntry, encodeBundleHeader, type BundleEntry } from './bundle-proto.js';
import { TF_DTYPE_ENUM } from './dtypes.js';
import { dataFilename, metaFilename } from './naming.js';
import { encodeStringTensor } from './string-tensor.js';
import { fullSliceEntry, planPartitioned } from './partitioned.js';
import { compareBytes, latin1 } from './table.js';
import { TableBuilder, type TableCompression } from './table-builder.js';
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

/** One key to write: index key, sort key (the full name for slices), value. */
interface Item {
  key: Uint8Array;
  sortKey: Uint8Array;
  t: TensorValue;
}

function itemOf(t: TensorValue): Item {
  const key = utf8.encode(t.name);
  return { key, sortKey: key, t };
}

/** Sort by name bytes, stable (slices of one variable keep their part order). */
function sortItems(items: Item[]): Item[] {
  return items
    .map((it, i) => ({ it, i }))
    .sort((a, b) => compareBytes(a.it.sortKey, b.it.sortKey) || a.i - b.i)
    .map((x) => x.it);
}

async function* streamItems(first: Item[], tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>): AsyncIterable<Item> {
  yield* first;
  for await (const t of tensors as AsyncIterable<TensorValue>) yield itemOf(t);
}

/** Most data files one bundle may be written in. */
export const MAX_SHARDS = 4096;

/** One data file being written: its temporary file and the running offset of the next tensor. */
interface Shard {
  file: PublishFile;
  offset: number;
}

/** Append one tensor to `shard` and return its entry (the write is awaited). */
async function appendTensor(shard: Shard, shardId: number, t: TensorValue): Promise<BundleEntry> {
  const offset = shard.offset;
  let size: number;
  let crc: number;
  if (t.dtype === 'string') {
    const enc = encodeStringTensor(t.strings!);
    shard.offset += enc.data.length;
    await shard.file.write(enc.data);
    size = enc.data.length;
    crc = enc.crc;
  } else {
    shard.offset += t.data.length;
    // The write runs on libuv's pool while the CRC is computed here.
    const pending = shard.file.write(t.data);
    crc = crc32c(t.data);
    await pending;
    size = t.data.length;
  }
  return { dtype: TF_DTYPE_ENUM[t.dtype], shape: [...t.shape], shardId, offset, size, crc32c: maskCrc(crc), slices: [] };
}

function checkNumShards(prefix: string, numShards: number): void {
  if (!Number.isSafeInteger(numShards) || numShards < 1 || numShards > MAX_SHARDS) {
    throw new InvalidArgumentError('bad_num_shards', `${prefix}: numShards ${numShards} is not an integer in 1..${MAX_SHARDS}`, {
      hint: 'pass numShards as a small positive integer (TF writes one data file per device)',
      details: { prefix, numShards },
    });
  }
}

/**
 * Split tensors sorted by name into `n` contiguous groups of about equal bytes, each non-empty
 * (TF's MaxShardSizePolicy also fills shards in order).
 */
function contiguousGroups(tensors: Item[], n: number): Item[][] {
  const bytes = tensors.map(({ t }) => (t.dtype === 'string' ? t.strings!.reduce((a, s) => a + s.length + 1, 0) : t.data.length));
  const total = bytes.reduce((a, b) => a + b, 0);
  const groups: Item[][] = Array.from({ length: n }, () => []);
  let g = 0;
  let acc = 0;
  for (let i = 0; i < tensors.length; i++) {
    // Move on when this group has reached its share, keeping one tensor for every later group.
    const remainingGroups = n - g - 1;
    if (groups[g]!.length > 0 && remainingGroups > 0 && (acc >= (total * (g + 1)) / n || tensors.length - i <= remainingGroups)) g++;
    groups[g]!.push(tensors[i]!);
    acc += bytes[i]!;
  }
  return groups;
}

/** The merged index of a bundle: header + entries, sorted bytewise (TF's std::map order). */
export function buildIndex(numShards: number, entries: Iterable<{ key: Uint8Array; entry: BundleEntry }>, compression: TableCompression = 'none'): Uint8Array {
  const table = new TableBuilder(undefined, compression);
  table.add(new Uint8Array(0), encodeBundleHeader({
    numShards,
    endianness: LITTLE,
    version: { producer: TENSOR_BUNDLE_VERSION, minConsumer: TENSOR_BUNDLE_MIN_CONSUMER, badConsumers: [] },
  }));
  const sorted = [...entries].sort((a, b) => compareBytes(a.key, b.key));
  for (const { key, entry } of sorted) table.add(key, encodeBundleEntry(entry));
  return table.finish();
}

/**
 * Write tensors as a TensorFlow V2 checkpoint at `prefix` (`prefix.index` +
 * `prefix.data-0000K-of-0000N`), streaming, atomically and (by default) durably.
 *
 * With `numShards: N` > 1 the result is what TF's sharded Saver / MergeV2Checkpoints leaves:
 * N data files `prefix.data-0000i-of-0000N`, each tensor in exactly one of them at offsets
 * relative to its file, and one merged index whose header says num_shards = N and whose
 * entries carry shard_id (tensor_bundle.cc `MergeBundles`). Shards are assigned by
 * `options.shardOf` if given; else an Array is sorted by name and split into N contiguous runs
 * of about equal bytes, written in parallel (one file per shard); a stream goes to the shard
 * with the fewest bytes so far. Every shard must receive at least one tensor.
 *
 * Partitioned variables: give them in `options.partitioned` (see PartitionedTensor); their
 * slices are written as TF's BundleWriter::AddSlice writes them.
 * @throws InvalidArgumentError `duplicate_tensor`, `invalid_name`, `unsupported_dtype`,
 *   `bad_shape`, `size_mismatch`, `bad_num_shards`, `empty_shard`, `bad_slice` for bad input
 *   (nothing is left under the final names).
 * @example
 *   await writeBundle('runs/model.ckpt-1000', [
 *     { name: 'dense/kernel', dtype: 'float32', shape: [2, 3], data: new Uint8Array(24) },
 *   ], { numShards: 2 });
 */
export async function writeBundle(
  prefix: string,
  tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>,
  options: WriteBundleOptions = {},
): Promise<WriteBundleReport> {
  const fsync = options.fsync ?? true;
  const numShards = options.numShards ?? 1;
  checkNumShards(prefix, numShards);
  // Partitioned variables: slice items and full-name entries (checked before any file exists).
  const sliceItems: Item[] = [];
  const fullEntries = new Map<string, BundleEntry>();
  const plainParts: TensorValue[] = [];
  for (const p of options.partitioned ?? []) {
    const plan = planPartitioned(p);
    if (fullEntries.has(p.name) || plainParts.some((t) => t.name === p.name)) throw badTensor('duplicate_tensor', prefix, p.name, `Adding duplicate key: ${p.name}`);
    if (plan.full !== undefined) plainParts.push(plan.full);
    else {
      fullEntries.set(p.name, fullSliceEntry(p, plan.items));
      for (const it of plan.items) sliceItems.push({ key: it.key, sortKey: utf8.encode(it.fullName), t: it.tensor });
    }
  }
  const dir = dirname(prefix);
  const base = basename(prefix);
  await withFsErrors('create directory', dir, () => mkdir(dir, { recursive: true }));
  const entries = new Map<string, { key: Uint8Array; entry: BundleEntry }>();
  const shards: Shard[] = [];
  const publish = await beginPublish(dir, base, { fsync });
  const accept = (it: Item): void => {
    validate(prefix, it.t);
    const k = latin1(it.key);
    if (entries.has(k) || fullEntries.has(it.t.name)) throw badTensor('duplicate_tensor', prefix, it.t.name, `Adding duplicate key: ${it.t.name}`);
    entries.set(k, { key: it.key, entry: PENDING });
  };
  try {
    for (let i = 0; i < numShards; i++) shards.push({ file: await publish.create(basename(dataFilename(prefix, i, numShards))), offset: 0 });
    const pickShard = (it: Item, i: number): number => {
      if (options.shardOf !== undefined) {
        const s = options.shardOf(it.t.name, i);
        if (!Number.isSafeInteger(s) || s < 0 || s >= numShards) throw badTensor('bad_shard', prefix, it.t.name, `shardOf returned ${s}, not a shard in 0..${numShards - 1}`);
        return s;
      }
      let best = 0;
      for (let k = 1; k < numShards; k++) if (shards[k]!.offset < shards[best]!.offset) best = k;
      return best;
    };
    const extra = [...sliceItems, ...plainParts.map(itemOf)];
    if (Array.isArray(tensors)) {
      // In memory already: TF1 Saver order (sorted by name), then every shard's run in parallel.
      const sorted = sortItems([...extra, ...(tensors as TensorValue[]).map(itemOf)]);
      for (const it of sorted) accept(it);
      const groups: Item[][] = Array.from({ length: numShards }, () => []);
      if (options.shardOf !== undefined) sorted.forEach((it, i) => groups[pickShard(it, i)]!.push(it));
      else contiguousGroups(sorted, numShards).forEach((g, i) => groups[i]!.push(...g));
      await Promise.all(groups.map(async (g, id) => {
        for (const it of g) entries.set(latin1(it.key), { key: it.key, entry: await appendTensor(shards[id]!, id, it.t) });
      }));
    } else {
      let i = 0;
      for await (const it of streamItems(sortItems(extra), tensors)) {
        accept(it);
        const id = pickShard(it, i++);
        entries.set(latin1(it.key), { key: it.key, entry: await appendTensor(shards[id]!, id, it.t) });
      }
    }
    const used = new Set([...entries.values()].map((e) => e.entry.shardId));
    for (let id = 0; id < numShards; id++) {
      if (!used.has(id)) {
        throw new InvalidArgumentError('empty_shard', `${prefix}: shard ${id} of ${numShards} received no tensor`, {
          hint: 'use at most as many shards as tensors (TF names data files after the shards that hold tensors)',
          details: { prefix, shard: id, numShards },
        });
      }
    }
    const dataBytes = shards.reduce((a, s) => a + s.offset, 0);
    const all = [...entries.values(), ...[...fullEntries].map(([name, entry]) => ({ key: utf8.encode(name), entry }))];
    const indexBytes = buildIndex(numShards, all, options.compression ?? 'none');
    const index = await publish.create(basename(metaFilename(prefix)));
    await index.write(indexBytes);
    // Data files of an older bundle at this prefix (other shard counts) go in the same publish.
    const ours = new Set(shards.map((_, i) => basename(dataFilename(prefix, i, numShards))));
    const shard = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.data-\\d{5}-of-\\d{5}$`);
    publish.remove((await readdir(dir).catch(() => [] as string[])).filter((n) => shard.test(n) && !ours.has(n)));
    await publish.commit();
    return { prefix, bytes: dataBytes + indexBytes.length, tensors: entries.size - sliceItems.length + fullEntries.size, shards: numShards };
  } catch (e) {
    await publish.abort();
    throw e;
  }
}

/** Placeholder entry while a tensor is being written (duplicate detection only). */
const PENDING: BundleEntry = { dtype: 0, shape: [], shardId: -1, offset: 0, size: 0, crc32c: 0, slices: [] };
