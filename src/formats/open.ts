/**
 * Format detection and `openCheckpoint`: an explicit, ordered list of detectors, each
 * "path → handler or null" (tfjs `router_registry.ts`), tried in this order:
 *
 *   1. state-dir      a directory with a `checkpoint` state file → its latest checkpoint (TF bundle)
 *   2. saved-model    a directory with variables/variables.index → that bundle (SavedModel)
 *   3. tfjs-dir       a directory with model.json → tfjs weights
 *   3a. safetensors-sharded-dir  a directory with `*.safetensors.index.json` → HF sharded safetensors
 *   3b. safetensors-dir  a directory with exactly one *.safetensors file → that file
 *   3c. tfjs-manifest-dir  a directory with one `*weights_manifest.json`, or one other `*.json`
 *                     that is a tfjs model.json (has "weightsManifest") → tfjs weights
 *   4. tf-bundle      `<prefix>.index` exists, or the path is `<prefix>.index` / `.data-K-of-N`
 *   4a. safetensors-index  a `*.safetensors.index.json` file → HF sharded safetensors
 *   5. safetensors    `*.safetensors`, or a file whose first 8 bytes + `{` look like one
 *   6. tfjs-json      `*.json` (model.json, weights_manifest.json)
 *   7. keras-h5       a file with the HDF5 signature (`*.h5`, `*.hdf5`, Keras 3 `*.weights.h5`)
 *   7b. keras-archive a Keras 3 `.keras` zip (`*.keras`, or a zip naming model.weights.h5 + config.json)
 *   8. pytorch        a torch.save file: a zip whose first entry is `<archive>/data.pkl`, a pickle
 *                     starting with torch's legacy magic number, or `*.pt|*.pth|*.bin` holding a zip
 *   9. v1-checkpoint  a file ending in the SSTable magic without `.index` → refused with a fix
 *
 * A path accepted in a form other than the canonical one (the `.index` file, a directory)
 * carries a note in the reader's metadata (`note`), not an error (docs/design/STYLE.md §4). A directory no
 * detector takes is refused with what it holds (folder-listing.ts), never with TF's wording
 * unless it does look like a TF checkpoint directory.
 */
import { readdir, stat } from '../io/fs.js';
import { openSource as openRegularFile } from '../io/source.js';
import { awaitPublished } from '../io/sink.js';
import { basename, dirname, join, resolve, schemeOf } from '../io/path.js';
import { CheckpointNotFoundError, FormatError, GraftError } from '../errors.js';
import { openBundle } from './tf-bundle/index.js';
import { readCheckpointStateDetailed, type CheckpointStateDetails } from './state-file.js';
import { explainMissingIndex, V1_CONVERT_HINT } from './tf-bundle/naming.js';
import { findShardIndex, isShardIndexPath, openSafetensors, openShardedSafetensors } from './safetensors/index.js';
import { describeFolder, findTfjsJson } from './folder-listing.js';
import { openTfjsWeights } from './tfjs/index.js';
import { openKerasH5, hasHdf5Signature } from './keras-h5/index.js';
import { openPytorch } from './pytorch/index.js';
import { hasZipSignature } from './pytorch/zip.js';
import type { CheckpointReader, FormatName } from './types.js';

/** What a detector found: the format and how to open it. */
export interface FormatHandler {
  format: FormatName;
  /** The path the reader will be opened on (a prefix, a file or a model.json). */
  resolved: string;
  /** How the user's path was interpreted, when not literally. */
  note?: string;
  open(): Promise<CheckpointReader>;
}

/** A detector: path (and its stat, undefined when it does not exist) → handler or null. */
export type Detector = (path: string, st: Awaited<ReturnType<typeof stat>> | undefined) => Promise<FormatHandler | null>;

const exists = async (p: string) => (await stat(p).catch(() => undefined)) !== undefined;

async function head(path: string, n: number): Promise<Uint8Array> {
  const f = await openRegularFile(path); // never blocks on a FIFO, never reads a device
  try {
    return await f.read(0, Math.min(n, f.size));
  } finally {
    await f.close();
  }
}

const bundle = (resolved: string, note?: string): FormatHandler => ({
  format: 'tf-bundle', resolved, note, open: () => openBundle(resolved),
});

/**
 * The state file names something that is not a V2 checkpoint: say where the path came from
 * (file and line, as written and as resolved, inside the directory or not) and what is there —
 * a V1 checkpoint, a bare file without `.index`, or nothing.
 */
async function explainStateTarget(dir: string, d: CheckpointStateDetails): Promise<never> {
  const latest = d.state.modelCheckpointPath;
  const line = d.lines.modelCheckpointPath;
  const written = d.written.modelCheckpointPath;
  const outside = resolve(dirname(latest)) !== resolve(dir);
  const from = `${d.file}${line ? `:${line}` : ''}: model_checkpoint_path "${written}"`;
  const is = outside ? `points outside ${dir}, to ${latest}` : `is ${latest}`;
  const details = { stateFile: d.file, line, written, path: latest, outside };
  try {
    await explainMissingIndex(latest);
  } catch (e) {
    if (e instanceof GraftError && e.code === 'v1_checkpoint') {
      throw new FormatError('v1_checkpoint', `${from} names a V1 checkpoint: ${e.message}`, { hint: e.hint, details: { ...e.details, ...details }, cause: e });
    }
    if ((await stat(latest).catch(() => undefined))?.isFile()) {
      throw new CheckpointNotFoundError('checkpoint_not_found', `${from} ${is}, a single file without ${basename(latest)}.index: not a V2 checkpoint (a V1 checkpoint, TF < 1.0 / write_version=V1, is such a single SSTable file; this one is not even an SSTable)`, {
        hint: `if TensorFlow wrote it: ${V1_CONVERT_HINT}; otherwise fix ${d.file}`, details, cause: e,
      });
    }
    throw new CheckpointNotFoundError('checkpoint_not_found', `${from} ${is}, which does not exist (no ${basename(latest)}.index)`, {
      hint: outside
        ? `the state file points outside ${dir}: pass the checkpoint prefix you mean, or edit ${d.file} (a run that was moved keeps its checkpoints beside the state file)`
        : `the checkpoint files were deleted or not copied with the state file; edit ${d.file} to name one that exists, or pass a prefix`,
      details,
      cause: e,
    });
  }
  throw new CheckpointNotFoundError('checkpoint_not_found', `${from}: ${latest}.index does not exist`, { details });
}

const stateDir: Detector = async (path, st) => {
  if (!st?.isDirectory() || !(await exists(join(path, 'checkpoint')))) return null;
  const d = await readCheckpointStateDetailed(path);
  const latest = d?.state.modelCheckpointPath;
  if (!d || !latest) {
    throw new CheckpointNotFoundError('checkpoint_not_found', `${join(path, 'checkpoint')} names no model_checkpoint_path`, {
      hint: 'pass a checkpoint prefix (dir/model.ckpt-1000) instead of the directory', details: { path },
    });
  }
  const note = `${path} is a directory; using its latest checkpoint ${latest} (from the checkpoint state file).`;
  // Graft's CheckpointManager with format 'safetensors' lists `<prefix>-STEP.safetensors` files
  if (latest.endsWith('.safetensors') && (await stat(latest).catch(() => undefined))?.isFile()) {
    return { format: 'safetensors', resolved: latest, note, open: () => openSafetensors(latest) };
  }
  if (await exists(`${latest}.index`)) return bundle(latest, note);
  return { format: 'tf-bundle', resolved: latest, note, open: () => explainStateTarget(path, d) };
};

const savedModelDir: Detector = async (path, st) => {
  const prefix = join(path, 'variables', 'variables');
  if (!st?.isDirectory() || !(await exists(`${prefix}.index`))) return null;
  return bundle(prefix, `${path} is a SavedModel directory; using its variables bundle ${prefix}.`);
};

const tfjsDir: Detector = async (path, st) => {
  const json = join(path, 'model.json');
  if (!st?.isDirectory() || !(await exists(json))) return null;
  return { format: 'tfjs', resolved: json, note: `${path} is a directory; using ${json}.`, open: () => openTfjsWeights(json) };
};

const sharded = (index: string, note?: string): FormatHandler => ({
  format: 'safetensors', resolved: index, note, open: () => openShardedSafetensors(index),
});

const safetensorsShardedDir: Detector = async (path, st) => {
  if (!st?.isDirectory()) return null;
  const index = await findShardIndex(path);
  return index ? sharded(index, `${path} is a directory of sharded safetensors; using its index ${index}.`) : null;
};

const safetensorsDir: Detector = async (path, st) => {
  if (!st?.isDirectory()) return null;
  const files = (await readdir(path).catch(() => [] as string[])).filter((n) => n.endsWith('.safetensors'));
  if (files.length !== 1) return null;
  const file = join(path, files[0]!);
  return { format: 'safetensors', resolved: file, note: `${path} is a directory; using its only safetensors file ${file}.`, open: () => openSafetensors(file) };
};

const tfjsManifestDir: Detector = async (path, st) => {
  if (!st?.isDirectory()) return null;
  const json = await findTfjsJson(path);
  return json ? { format: 'tfjs', resolved: json, note: `${path} is a directory; using ${json}.`, open: () => openTfjsWeights(json) } : null;
};

const safetensorsIndex: Detector = async (path, st) => {
  if (!st?.isFile() || !isShardIndexPath(path)) return null;
  return sharded(path);
};

const tfBundle: Detector = async (path, st) => {
  if (st?.isDirectory()) return null;
  if (await exists(`${path}.index`)) return bundle(path);
  if (path.endsWith('.index') && st?.isFile()) return bundle(path);
  if (/\.data-\d{5,}-of-\d{5,}$/.test(path) && st?.isFile()) return bundle(path);
  return null;
};

const safetensorsFile: Detector = async (path, st) => {
  if (!st?.isFile()) return null;
  if (path.endsWith('.safetensors')) return { format: 'safetensors', resolved: path, open: () => openSafetensors(path) };
  const b = await head(path, 9);
  if (b.length < 9 || b[8] !== 0x7b) return null;
  const n = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  if (n < 2n || n + 8n > BigInt(st.size)) return null;
  return { format: 'safetensors', resolved: path, open: () => openSafetensors(path) };
};

const tfjsJson: Detector = async (path, st) => {
  if (!st?.isFile() || !path.endsWith('.json')) return null;
  return { format: 'tfjs', resolved: path, open: () => openTfjsWeights(path) };
};

const kerasH5: Detector = async (path, st) => {
  if (!st?.isFile()) return null;
  if (!hasHdf5Signature(await head(path, 2056))) return null;
  return { format: 'keras-h5', resolved: path, open: () => openKerasH5(path) };
};

const kerasArchive: Detector = async (path, st) => {
  if (!st?.isFile() || !hasZipSignature(await head(path, 4))) return null;
  if (!path.endsWith('.keras')) {
    // Other zips (torch .pt) are not ours: look for Keras' member names in the central directory.
    const n = Math.min(Number(st.size), 65536 + 22);
    const f = await openRegularFile(path, { what: 'zip file' });
    let tail: Uint8Array;
    try { tail = await f.read(f.size - Math.min(n, f.size), Math.min(n, f.size)); } finally { await f.close(); }
    const text = new TextDecoder('latin1').decode(tail);
    if (!text.includes('model.weights.h5') || !text.includes('config.json')) return null;
  }
  return { format: 'keras-h5', resolved: path, open: () => openKerasH5(path) };
};

/** The legacy torch.save magic number 0x1950a86a20f9469cfc6c as LONG1 little-endian bytes. */
const TORCH_LEGACY_MAGIC = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

const pytorchFile: Detector = async (path, st) => {
  if (!st?.isFile()) return null;
  const b = await head(path, 512);
  const torchName = /\.(pt|pth|bin|ckpt)$/.test(path);
  let yes = false;
  if (hasZipSignature(b) && b.length >= 30) {
    const n = b[26]! | (b[27]! << 8);
    const first = new TextDecoder().decode(b.subarray(30, Math.min(b.length, 30 + n)));
    yes = /^[^/]+\/data\.pkl$/.test(first) || torchName;
  } else if (b[0] === 0x80) {
    const at = b.subarray(0, 40).findIndex((_, i) => TORCH_LEGACY_MAGIC.every((m, k) => b[i + k] === m));
    yes = at >= 0;
  } else if (torchName && b.length >= 262 && new TextDecoder().decode(b.subarray(257, 262)) === 'ustar') yes = true;
  return yes ? { format: 'pytorch', resolved: path, open: () => openPytorch(path) } : null;
};

const v1Checkpoint: Detector = async (path, st) => {
  if (!st?.isFile() || st.size < 48) return null;
  const f = await openRegularFile(path);
  try {
    if (f.size < 48) return null;
    const b = await f.read(f.size - 8, 8);
    if (new DataView(b.buffer).getBigUint64(0, true) !== 0xdb4775248b80fb57n) return null;
  } finally {
    await f.close();
  }
  return bundle(path); // openBundle explains the V1 format and how to convert it
};

/** The detectors, in the order they are tried. */
export const DETECTORS: ReadonlyArray<{ name: string; detect: Detector }> = [
  { name: 'state-dir', detect: stateDir },
  { name: 'saved-model', detect: savedModelDir },
  { name: 'tfjs-dir', detect: tfjsDir },
  { name: 'safetensors-sharded-dir', detect: safetensorsShardedDir },
  { name: 'safetensors-dir', detect: safetensorsDir },
  { name: 'tfjs-manifest-dir', detect: tfjsManifestDir },
  { name: 'tf-bundle', detect: tfBundle },
  { name: 'safetensors-index', detect: safetensorsIndex },
  { name: 'safetensors', detect: safetensorsFile },
  { name: 'tfjs-json', detect: tfjsJson },
  { name: 'keras-h5', detect: kerasH5 },
  { name: 'keras-archive', detect: kerasArchive },
  { name: 'pytorch', detect: pytorchFile },
  { name: 'v1-checkpoint', detect: v1Checkpoint },
];

const ACCEPTED =
  'a TF checkpoint prefix (dir/model.ckpt-1000), a directory with a `checkpoint` state file, a SavedModel directory, ' +
  'a directory with one .safetensors file or with sharded safetensors (model.safetensors.index.json), ' +
  'a .safetensors file or its .safetensors.index.json, a tfjs model.json (or weights_manifest.json, or its directory), a Keras .h5 / .weights.h5 / .keras file, ' +
  'or a PyTorch torch.save file (.pt, .pth, pytorch_model.bin)';

/**
 * An `http(s)://` location, by name only: a server cannot list a directory, and every probe of a
 * name that is not there is a 404 (a console error in a page). A name ending in `/` is a
 * directory (its `checkpoint` state file, else its model.json); `.index` / `.data-K-of-N` and
 * any name without a known extension are a TF bundle prefix.
 */
async function httpHandler(path: string): Promise<FormatHandler | null> {
  if (path.endsWith('/')) {
    const dir = path.slice(0, -1);
    if (await exists(join(dir, 'checkpoint'))) return stateDir(dir, { isDirectory: () => true, isFile: () => false } as Awaited<ReturnType<typeof stat>>);
    const mj = join(dir, 'model.json');
    return { format: 'tfjs', resolved: mj, note: `${path} is a directory; using ${mj}.`, open: () => openTfjsWeights(mj) };
  }
  if (isShardIndexPath(path)) return { format: 'safetensors', resolved: path, open: () => openShardedSafetensors(path) };
  if (path.endsWith('.safetensors')) return { format: 'safetensors', resolved: path, open: () => openSafetensors(path) };
  if (path.endsWith('.json')) return { format: 'tfjs', resolved: path, open: () => openTfjsWeights(path) };
  if (/\.(h5|hdf5|keras)$/.test(path)) return { format: 'keras-h5', resolved: path, open: () => openKerasH5(path) };
  if (/\.(pt|pth|bin)$/.test(path)) return { format: 'pytorch', resolved: path, open: () => openPytorch(path) };
  return { format: 'tf-bundle', resolved: path, open: () => openBundle(path) }; // openBundle notes `.index` / `.data-…`
}

/** Run the detectors on `path`; null when none recognises it. */
export async function findHandler(path: string): Promise<FormatHandler | null> {
  const scheme = schemeOf(path);
  if (scheme === 'http' || scheme === 'https') return httpHandler(path);
  const st = await stat(path).catch(() => undefined);
  for (const { detect } of DETECTORS) {
    const h = await detect(path, st);
    if (h) return h;
  }
  return null;
}

/**
 * Which format `path` holds, without opening it; null when no detector recognises it (or the
 * path does not exist).
 */
export async function detectFormat(path: string): Promise<FormatName | null> {
  return (await findHandler(path))?.format ?? null;
}

/** A reader that reports how the path was interpreted in `metadata.note`. */
function withNote(reader: CheckpointReader, note: string | undefined): CheckpointReader {
  if (!note) return reader;
  const metadata = { ...reader.metadata, note };
  return new Proxy(reader, {
    get(target, prop) {
      if (prop === 'metadata') return metadata;
      const v = Reflect.get(target, prop, target); // target as receiver: getters may use #private state
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * Open a checkpoint of any format Graft reads; the format is detected from the path (see the
 * module comment for the order). Readers are lazy: opening reads the index/header only.
 * @example
 *   await using r = await openCheckpoint('runs/mnist/model.ckpt-20000');
 *   for (const t of r.list()) console.log(t.name, t.dtype, t.shape);
 *   const w = await r.read('dense/kernel');
 * @throws CheckpointNotFoundError `checkpoint_not_found`; FormatError `unknown_format` (with the
 *   accepted forms in the hint), `v1_checkpoint`, and each format's own codes.
 */
export async function openCheckpoint(path: string): Promise<CheckpointReader> {
  // A write of this destination interrupted by a crash is finished first (io/publish.ts), so
  // detection sees the old or the new checkpoint, never the half-published files.
  await awaitPublished(dirname(path), basename(path));
  const h = await findHandler(path);
  if (h) return withNote(await h.open(), h.note);
  const st = await stat(path).catch(() => undefined);
  if (st === undefined) {
    // A prefix whose files are partly there (V1 shards, data without index): the bundle reader explains.
    const siblings = await readdir(dirname(path)).catch(() => [] as string[]);
    const base = basename(path);
    if (siblings.some((n) => n.startsWith(`${base}.`) || n.startsWith(`${base}-`))) return openBundle(path);
    throw new CheckpointNotFoundError('checkpoint_not_found', `${path} does not exist`, {
      hint: `check the path; Graft opens ${ACCEPTED}`, details: { path },
    });
  }
  if (!st.isDirectory() && !st.isFile()) await openRegularFile(path, { what: 'checkpoint' }); // throws not_a_regular_file
  if (st.isDirectory()) {
    const d = await describeFolder(path);
    throw new CheckpointNotFoundError('checkpoint_not_found', `${path}: ${d.message}`, {
      hint: d.hint ?? `pass ${ACCEPTED}`, details: { path, found: d.found },
    });
  }
  throw new FormatError('unknown_format', `${path}: not a checkpoint format Graft recognises`, {
    hint: `Graft opens ${ACCEPTED}`, details: { path },
  });
}
