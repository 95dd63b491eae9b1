/**
 * File names of a tensor bundle (tensorflow/core/util/tensor_bundle/naming.cc) and how a path a
 * user typed becomes a prefix, including recognising a V1 checkpoint (docs/design/TF-SEMANTICS.md §4.1, §5).
 *
 *   MetaFilename(prefix)        = prefix + ".index"
 *   DataFilename(prefix, i, n)  = prefix + ".data-%05d-of-%05d"
 *   V1 checkpoint               = a single SSTable file named exactly the prefix, or shards
 *                                 prefix + "-%05d-of-%05d"; no ".index".
 */
import { existsSync } from '../../io/fs.js';
import { readdir, stat } from '../../io/fs.js';
import { openSource } from '../../io/source.js';
import { basename, dirname, join } from '../../io/path.js';
import { CheckpointNotFoundError } from '../../errors.js';
import { FOOTER_SIZE, TABLE_MAGIC_NUMBER } from './table.js';
import { bundleError } from './errors.js';

/** `<prefix>.index`. */
export function metaFilename(prefix: string): string {
  return `${prefix}.index`;
}

/** `<prefix>.data-%05d-of-%05d`. */
export function dataFilename(prefix: string, shard: number, numShards: number): string {
  return `${prefix}.data-${String(shard).padStart(5, '0')}-of-${String(numShards).padStart(5, '0')}`;
}

/** Whether `<path>.index` exists (the test TF's checkpoint_exists uses for V2 checkpoints). */
export function isBundlePrefix(path: string): boolean {
  return existsSync(metaFilename(path));
}

const DATA_SUFFIX = /\.data-\d{5,}-of-\d{5,}$/;

/** A user path → bundle prefix, with a note when a file name was given instead of the prefix. */
export function normalizePrefix(path: string): { prefix: string; note?: string } {
  if (path.endsWith('.index') && !existsSync(metaFilename(path))) {
    const prefix = path.slice(0, -'.index'.length);
    return { prefix, note: `${path} is the index file of a TensorFlow checkpoint; using prefix ${prefix}.` };
  }
  const m = DATA_SUFFIX.exec(path);
  if (m !== null && !existsSync(metaFilename(path))) {
    const prefix = path.slice(0, m.index);
    return { prefix, note: `${path} is a data file of a TensorFlow checkpoint; using prefix ${prefix}.` };
  }
  return { prefix: path };
}

const V1_HINT =
  'convert it with TF (load and re-save with tf.train.Saver(), which writes V2): ' +
  'saver = tf.train.Saver(); saver.restore(sess, OLD); saver.save(sess, NEW)';

async function isSSTable(file: string): Promise<boolean> {
  const f = await openSource(file, { what: 'V1 checkpoint file' });
  try {
    if (f.size < FOOTER_SIZE) return false;
    const b = await f.read(f.size - 8, 8);
    return new DataView(b.buffer).getBigUint64(0, true) === TABLE_MAGIC_NUMBER;
  } finally {
    await f.close();
  }
}

/**
 * Called when `<prefix>.index` is missing: throws FormatError `v1_checkpoint` for a V1 checkpoint,
 * else CheckpointNotFoundError `checkpoint_not_found`.
 */
export async function explainMissingIndex(prefix: string): Promise<never> {
  const v1Files: string[] = [];
  const s = await stat(prefix).catch(() => undefined);
  if (s?.isFile()) v1Files.push(prefix);
  else {
    const dir = dirname(prefix);
    const base = basename(prefix);
    const names = await readdir(dir).catch(() => [] as string[]);
    const re = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{5}-of-\\d{5}$`);
    for (const n of names) if (re.test(n)) v1Files.push(join(dir, n));
  }
  for (const f of v1Files) {
    if (await isSSTable(f).catch(() => false)) {
      throw bundleError('v1_checkpoint', f, `V1 checkpoint (TF < 1.0 / write_version=V1): ${prefix} has no ${basename(metaFilename(prefix))}; Graft reads only V2 checkpoints`, {
        hint: V1_HINT,
        details: { prefix },
      });
    }
  }
  throw new CheckpointNotFoundError('checkpoint_not_found', `${metaFilename(prefix)} does not exist, so ${prefix} is not a TensorFlow checkpoint prefix`, {
    hint: 'pass the checkpoint prefix (e.g. runs/model.ckpt-1000, without .index or .data-…), or the directory holding the `checkpoint` state file',
    details: { path: prefix },
  });
}

/** The V1 hint text (for callers that detect V1 from the index contents). */
export const V1_CONVERT_HINT = V1_HINT;
