/**
 * `<prefix>.meta.json`: what TF's `.meta` MetaGraphDef is to a TF checkpoint, for Graft — the
 * model's description beside its weights, so `graft eval` / `graft inspect` / `graft
 * restore-plan` can rebuild or describe a model without its code.
 *
 * ```json
 * { "format": "graft-meta", "version": 1,
 *   "model": { "name": "mnist-cnn", "config": { … } } | null,
 *   "variables": [ { "name": "conv1/weights", "dtype": "float32", "shape": [5,5,1,32], "trainable": true } ],
 *   "labels": ["0", "1", …],            (optional)
 *   "extra": { … } }                     (optional; CheckpointManager keeps `metrics` and `step` here)
 * ```
 * Written atomically before the state file names the checkpoint.
 */
import { readSource as readRegularFile } from '../io/source.js';
import { atomicWriteFile } from '../io/fs.js';
import type { DType } from '../formats/types.js';
import { FormatError } from '../errors.js';
import type { VarList } from './var-list.js';
import { normalizeVarList } from './var-list.js';
import { checkpointDtypeOf } from './tensor-bytes.js';

/** Value of the `format` field. */
export const META_FORMAT = 'graft-meta';
/** Current `version`. */
export const META_VERSION = 1;

/** One variable as the meta file lists it (name = checkpoint key). */
export interface MetaVariable {
  name: string;
  dtype: DType;
  shape: number[];
  trainable: boolean;
}

/** The contents of a `.meta.json`. */
export interface CheckpointMeta {
  format: typeof META_FORMAT;
  version: typeof META_VERSION;
  /** The model's builder name and config, or null when unknown. */
  model: { name: string; config: unknown } | null;
  variables: MetaVariable[];
  /** Class labels of a classifier head, in output order. */
  labels?: string[];
  /** Anything else worth keeping with the weights (JSON). */
  extra?: Record<string, unknown>;
}

/** What a caller gives to describe a model; variables come from the saved list. */
export interface MetaInput {
  model?: { name: string; config: unknown } | null;
  labels?: string[];
  extra?: Record<string, unknown>;
}

/** The meta path of a checkpoint (`model.ckpt-10` → `model.ckpt-10.meta.json`; a `.safetensors` file's extension is kept). */
export function metaPathFor(checkpoint: string): string {
  return `${checkpoint}.meta.json`;
}

/** Build the meta document for a variable list (variables in the model's order). */
export function buildMeta(varList: VarList, input: MetaInput = {}): CheckpointMeta {
  const meta: CheckpointMeta = {
    format: META_FORMAT,
    version: META_VERSION,
    model: input.model ?? null,
    variables: normalizeVarList(varList)
      .map(({ key, param }) => ({ name: key, dtype: checkpointDtypeOf(param.variable, param.saveDtype), shape: [...param.variable.shape], trainable: param.trainable })),
  };
  if (input.labels) meta.labels = [...input.labels];
  if (input.extra) meta.extra = input.extra;
  return meta;
}

/** Write `<checkpoint>.meta.json` atomically; returns its path. */
export async function writeMeta(checkpoint: string, meta: CheckpointMeta, options: { fsync?: boolean } = {}): Promise<string> {
  const path = metaPathFor(checkpoint);
  const text = JSON.stringify(meta, null, 1) + '\n';
  await atomicWriteFile(path, text, { fsync: options.fsync ?? true });
  return path;
}

/** Largest .meta.json read (one entry per variable: MBs for the largest models). */
const MAX_META_BYTES = 256 * 1024 * 1024;

/**
 * Read and validate a meta file; `path` may be the `.meta.json` itself or its checkpoint.
 * @throws FormatError `bad_meta` when it is not a graft-meta document of a known version.
 */
export async function readMeta(path: string): Promise<CheckpointMeta> {
  const file = path.endsWith('.meta.json') ? path : metaPathFor(path);
  const text = new TextDecoder().decode(await readRegularFile(file, MAX_META_BYTES, { what: 'checkpoint .meta.json' }));
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new FormatError('bad_meta', `${file} is not JSON`, { hint: 'the file is damaged; re-save the checkpoint', details: { path: file }, cause });
  }
  const d = doc as Partial<CheckpointMeta>;
  if (typeof d !== 'object' || d === null || d.format !== META_FORMAT) {
    throw new FormatError('bad_meta', `${file} is not a graft-meta file (format field: ${JSON.stringify(d?.format)})`, {
      hint: 'pass a .meta.json written by Graft beside a checkpoint',
      details: { path: file },
    });
  }
  if (d.version !== META_VERSION) {
    throw new FormatError('bad_meta', `${file} has graft-meta version ${String(d.version)}; this Graft reads version ${META_VERSION}`, {
      hint: 'upgrade Graft to read this file',
      details: { path: file, version: d.version },
    });
  }
  if (!Array.isArray(d.variables) || !d.variables.every((v) => typeof v?.name === 'string' && typeof v.dtype === 'string' && Array.isArray(v.shape))) {
    throw new FormatError('bad_meta', `${file}: "variables" must be a list of {name, dtype, shape, trainable}`, {
      hint: 'the file is damaged; re-save the checkpoint',
      details: { path: file },
    });
  }
  return d as CheckpointMeta;
}
