/**
 * Reading checkpoints of any supported format by name, TF's `checkpoint_utils` for Graft:
 * `loadCheckpoint` (TF `tf.train.load_checkpoint`: a directory means its latest checkpoint),
 * `listVariables`, `loadVariable`, and `readerFromTensors` (an in-memory reader over tensors
 * you already hold, for planning restores from data that is not in a file).
 */
import { stat } from '../io/fs.js';
import { join, schemeOf } from '../io/path.js';
import { openCheckpoint } from '../formats/index.js';
import type { CheckpointReader, DType, TensorInfo, TensorValue, FormatName } from '../formats/types.js';
import { FormatError, CheckpointNotFoundError } from '../errors.js';
import { latestCheckpoint } from './state.js';

/** Options for {@link readerFromTensors}. */
export interface ReaderFromTensorsOptions {
  /** Path reported in plans and messages; default `"<memory>"`. */
  path?: string;
  /** Format reported; default `"tf-bundle"`. */
  format?: FormatName;
  metadata?: Record<string, string>;
}

/** A CheckpointReader over tensors held in memory (values are not copied). */
export function readerFromTensors(tensors: Iterable<TensorValue>, options: ReaderFromTensorsOptions = {}): CheckpointReader {
  const byName = new Map<string, TensorValue>();
  for (const t of tensors) byName.set(t.name, t);
  const path = options.path ?? '<memory>';
  const infoOf = (t: TensorValue): TensorInfo => ({
    name: t.name,
    dtype: t.dtype,
    shape: [...t.shape],
    bytes: t.strings ? t.strings.reduce((a, s) => a + s.byteLength, 0) : t.data.byteLength,
  });
  const strip = (n: string): string => n.replace(/:0$/, '');
  const notFound = (name: string): FormatError =>
    new FormatError('tensor_not_found', `Key ${name} not found in checkpoint ${path}`, {
      hint: 'list the checkpoint\'s names with listVariables() or `graft inspect`',
      details: { path, name },
    });
  return {
    format: options.format ?? 'tf-bundle',
    path,
    metadata: options.metadata ?? {},
    list: () => [...byName.values()].map(infoOf).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    has: (name) => byName.has(strip(name)),
    info: (name) => {
      const t = byName.get(strip(name));
      if (!t) throw notFound(name);
      return infoOf(t);
    },
    read: async (name) => {
      const t = byName.get(strip(name));
      if (!t) throw notFound(name);
      return t;
    },
    close: async () => undefined,
    [Symbol.asyncDispose]: async () => undefined,
  };
}

/**
 * Open a checkpoint of any format; a directory means the checkpoint its `checkpoint` state file
 * names (TF `tf.train.load_checkpoint`).
 * @throws CheckpointNotFoundError `checkpoint_not_found` for a directory without checkpoints.
 * @example
 * await using reader = await loadCheckpoint('runs/a');          // latest in runs/a
 * reader.list().map((t) => t.name);
 */
export async function loadCheckpoint(path: string): Promise<CheckpointReader> {
  // Over HTTP nothing can be listed and a probe of a missing name is a 404 (a console error in a
  // page): formats/open.ts picks the format by name, a trailing `/` meaning a directory.
  const scheme = schemeOf(path);
  if (scheme === 'http' || scheme === 'https') return openCheckpoint(path);
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory()) {
    // a state file: formats/open.ts reads it and explains a V1, missing or outside target (file:line)
    if (await stat(join(path, 'checkpoint')).then((s) => s.isFile(), () => false)) return openCheckpoint(path);
    const latest = await latestCheckpoint(path);
    if (latest === null) {
      // a directory holding model.json or a single safetensors file is for openCheckpoint to judge
      try {
        return await openCheckpoint(path);
      } catch (cause) {
        throw new CheckpointNotFoundError('checkpoint_not_found', `Couldn't find 'checkpoint' file or checkpoints in given directory ${path}`, {
          hint: 'pass a checkpoint prefix (dir/model.ckpt-1000) or a directory a Saver wrote into',
          details: { path },
          cause,
        });
      }
    }
    return openCheckpoint(latest);
  }
  return openCheckpoint(path);
}

/** Open `source` unless it already is a reader; `owned` says whether the caller must close it. */
export async function openSource(source: string | CheckpointReader): Promise<{ reader: CheckpointReader; owned: boolean }> {
  if (typeof source !== 'string') return { reader: source, owned: false };
  return { reader: await loadCheckpoint(source), owned: true };
}

/** One checkpoint entry as `listVariables` reports it. */
export interface CheckpointVariableInfo {
  name: string;
  dtype: DType;
  shape: number[];
}

/** Every tensor of a checkpoint (TF `tf.train.list_variables`), sorted by name. */
export async function listVariables(path: string | CheckpointReader): Promise<CheckpointVariableInfo[]> {
  const { reader, owned } = await openSource(path);
  try {
    return reader.list().map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] }));
  } finally {
    if (owned) await reader.close();
  }
}

/**
 * One tensor of a checkpoint (TF `tf.train.load_variable`; a trailing `:0` is stripped).
 * @throws FormatError `tensor_not_found` when the checkpoint has no such name.
 */
export async function loadVariable(path: string | CheckpointReader, name: string): Promise<TensorValue> {
  const { reader, owned } = await openSource(path);
  try {
    return await reader.read(name.replace(/:0$/, ''));
  } finally {
    if (owned) await reader.close();
  }
}

/**
 * The TF2 object-graph aliases of a reader: checkpoint key → the plain variable path it stands
 * for (`layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE` → `dense/kernel`). Uses the
 * reader's decoded object graph when it has one, else strips `/.ATTRIBUTES/VARIABLE_VALUE`.
 */
export function objectGraphAliases(reader: CheckpointReader): Map<string, string> {
  const fromGraph = (reader as CheckpointReader & { objectGraphPaths?: Map<string, string> }).objectGraphPaths;
  if (fromGraph && fromGraph.size > 0) return new Map(fromGraph);
  const out = new Map<string, string>();
  const suffix = '/.ATTRIBUTES/VARIABLE_VALUE';
  for (const t of reader.list()) {
    if (t.name.endsWith(suffix) && !t.name.includes('/.OPTIMIZER_SLOT/')) out.set(t.name, t.name.slice(0, -suffix.length));
  }
  return out;
}
