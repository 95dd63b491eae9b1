/**
 * openBundle: resolve the prefix, read and check the `.index` (table.ts) and its header entry
 * (BundleHeaderProto: num_shards ≥ 1, endianness LITTLE/BIG, VersionDef against
 * kTensorBundleVersion = 1 as TF's CheckVersions does), recognise V1 files, then hand the entries
 * to the reader (reader.ts).
 *
 * Hostile files: the index and the data files are opened with io/open-file.ts (regular files
 * only, sizes from fstat; a FIFO or `/dev/zero` is refused at once), the footer's magic is
 * checked before the index is read whole, and the open set of files is checked to be one
 * snapshot (io/publish.ts): a bundle being overwritten by another process is waited for, an
 * interrupted overwrite rolled forward, and a publish racing this open makes it open again.
 */
import { basename, dirname } from '../../io/path.js';
import { GraftError } from '../../errors.js';
import { openSource } from '../../io/source.js';
import { identityOf, type ByteSource } from '../../io/byte-source.js';
import { awaitPublished, checkSnapshot } from '../../io/sink.js';
import { SnapshotChangedError } from '../../io/snapshot.js';
import { BIG, LITTLE, TENSOR_BUNDLE_MIN_PRODUCER, TENSOR_BUNDLE_VERSION, decodeBundleHeader } from './bundle-proto.js';
import { bundleError } from './errors.js';
import { V1_CONVERT_HINT, explainMissingIndex, metaFilename, normalizePrefix } from './naming.js';
import { TfBundleReader } from './reader.js';
import { FOOTER_SIZE, TABLE_MAGIC_NUMBER, readFooter, readTable } from './table.js';
import type { BundleReader } from './types.js';

/** Largest `.index` file read into memory (1 GiB): real indexes are KBs to a few MBs. */
const MAX_INDEX_BYTES = 1 << 30;

/**
 * Open a TensorFlow V2 checkpoint (tensor bundle) by prefix. Reads the index only; values are read
 * on demand with their CRC32C verified.
 *
 * Accepts `prefix.index` or a `prefix.data-…` file name too (noted in `notes`).
 * @throws FormatError `v1_checkpoint` for a V1 checkpoint; `bad_magic`, `truncated`,
 *   `block_checksum_mismatch`, `bad_block`, `unsorted_keys`, `bad_varint`, `bad_proto`,
 *   `bad_header`, `unsupported_version`, `bad_entry`, `bad_shape`, `size_mismatch`, `bad_slice`,
 *   `shard_missing`, `bad_object_graph` for a damaged checkpoint;
 *   CheckpointNotFoundError `checkpoint_not_found` when there is no `<prefix>.index`.
 * @example
 *   await using r = await openBundle('runs/model.ckpt-1000');
 *   for (const t of r.list()) console.log(t.name, t.dtype, t.shape);
 *   const w = await r.read('dense/kernel');
 */
export async function openBundle(prefix: string): Promise<BundleReader> {
  const { prefix: p, note } = normalizePrefix(prefix);
  for (let attempt = 1; ; attempt++) {
    await awaitPublished(dirname(p), basename(p));
    try {
      return await openOnce(p, note);
    } catch (e) {
      // Another process published this prefix while it was being opened: open the new one.
      if (!(e instanceof SnapshotChangedError) || attempt >= 5) throw e;
    }
  }
}

/** Read the index with the footer's magic checked first (a huge or sparse non-index fails fast). */
async function readIndex(f: ByteSource, indexFile: string): Promise<Uint8Array> {
  if (f.size > MAX_INDEX_BYTES) {
    throw bundleError('bad_header', indexFile, `index file has ${f.size} bytes, more than the ${MAX_INDEX_BYTES}-byte limit for a checkpoint index`, { details: { size: f.size } });
  }
  if (f.size < FOOTER_SIZE) return f.readAll(FOOTER_SIZE); // readTable reports `truncated`
  // Over HTTP / from storage the size is the server's and capped above; one read of the whole index
  // costs no extra request (a file's footer is checked first: a sparse file costs nothing).
  if (identityOf(f).ino === 0) return f.readAll(MAX_INDEX_BYTES);
  const footer = await f.read(f.size - FOOTER_SIZE, FOOTER_SIZE);
  if (new DataView(footer.buffer).getBigUint64(FOOTER_SIZE - 8, true) !== TABLE_MAGIC_NUMBER) readFooter(footer, indexFile); // throws bad_magic
  return f.readAll(MAX_INDEX_BYTES);
}

async function openOnce(p: string, note: string | undefined): Promise<BundleReader> {
  const indexFile = metaFilename(p);
  let f: ByteSource;
  try {
    f = await openSource(indexFile, { what: 'checkpoint index' });
  } catch (e) {
    if (e instanceof GraftError && e.code === 'file_not_found') return explainMissingIndex(p);
    throw e;
  }
  let data: Uint8Array;
  try {
    data = await readIndex(f, indexFile);
  } finally {
    await f.close();
  }
  const entries = readTable(data, indexFile);
  const first = entries[0];
  if (first === undefined || first.key.length !== 0) {
    throw bundleError('bad_header', indexFile, 'the header entry (key "") is missing', {
      details: { field: 'header' },
    });
  }
  const header = decodeBundleHeader(first.value, indexFile);
  if (header.numShards < 1) {
    // A V1 SSTable's "" entry is SavedTensorSlices {meta = 1 (a message)}: field 1, wire type 2.
    if (first.value[0] === 0x0a) {
      throw bundleError('v1_checkpoint', indexFile, `V1 checkpoint (TF < 1.0 / write_version=V1): the "" entry is SavedTensorSlices metadata, not a BundleHeaderProto`, {
        hint: V1_CONVERT_HINT,
        details: { field: 'header' },
      });
    }
    throw bundleError('bad_header', indexFile, `BundleHeaderProto.num_shards is ${header.numShards}; must be at least 1`, {
      details: { field: 'num_shards', found: header.numShards },
    });
  }
  if (header.endianness !== LITTLE && header.endianness !== BIG) {
    throw bundleError('bad_header', indexFile, `BundleHeaderProto.endianness is ${header.endianness}; must be 0 (LITTLE) or 1 (BIG)`, {
      details: { field: 'endianness', found: header.endianness },
    });
  }
  const v = header.version;
  if (v.producer < TENSOR_BUNDLE_MIN_PRODUCER || v.minConsumer > TENSOR_BUNDLE_VERSION || v.badConsumers.includes(TENSOR_BUNDLE_VERSION)) {
    throw bundleError('unsupported_version', indexFile, `Checkpoint version (producer ${v.producer}, min_consumer ${v.minConsumer}, bad_consumers [${v.badConsumers.join(',')}]) cannot be read by a version-${TENSOR_BUNDLE_VERSION} reader`, {
      hint: 'the checkpoint was written by a newer TensorFlow bundle format; re-save it with TF 1.x/2.x Saver',
      details: { field: 'version', producer: v.producer, minConsumer: v.minConsumer },
    });
  }
  const reader = new TfBundleReader(p, header, indexFile);
  reader.bytesRead = data.length;
  if (note !== undefined) {
    reader.notes.push(note);
    reader.metadata.note = note;
  }
  try {
    await reader.load(entries);
    await checkSnapshot(dirname(p), basename(p), [{ path: indexFile, ...identityOf(f) }, ...reader.openedFiles]);
  } catch (e) {
    await reader.close(); // load may have opened shard files (object graph); never leak handles
    throw e;
  }
  if (reader.unsupported.length > 0) {
    reader.metadata.unsupported_tensors = reader.unsupported.map((u) => `${u.name} (${u.dtype})`).join(', ');
  }
  return reader;
}
