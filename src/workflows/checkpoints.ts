/**
 * Checkpoint helpers the workflows share: resolve "a directory or a checkpoint" to one
 * checkpoint, read its `.meta.json`, rebuild the model it describes (no code needed), and parse
 * `DIR:SCOPE[,SCOPE]` restore specs.
 */
import { stat } from '../io/fs.js';
import { CheckpointNotFoundError, InvalidArgumentError } from '../errors.js';
import { latestCheckpoint } from '../checkpoint/state.js';
import { readMeta, metaPathFor, type CheckpointMeta } from '../checkpoint/meta.js';
import { listVariables } from '../checkpoint/reader.js';
import { buildModel } from '../models/registry.js';
import type { ClassifierModel } from '../models/types.js';
import { Vocabulary } from '../models/data/vocabulary.js';
import type { TaskSpec } from './tasks.js';
import type { CheckpointManager } from '../checkpoint/manager.js';

/** A part of a model to restore from another checkpoint (`--restore DIR:SCOPE[,SCOPE]`). */
export interface RestorePart {
  /** Checkpoint prefix or directory with a `checkpoint` state file. */
  from: string;
  /** Scopes to take from it (`/` boundaries); default every variable it holds. */
  include?: string[];
  /** Scopes not to take (slim `checkpoint_exclude_scopes`, e.g. `Logits`). */
  exclude?: string[];
  /** Variables the checkpoint lacks keep their values (slim `ignore_missing_vars`). */
  ignoreMissing?: boolean;
  /** Mark the restored variables frozen (not trained). */
  freeze?: boolean;
}

/**
 * How scope strings select variables: `boundary` = Graft's `/`-boundary prefixes (`Logits`
 * matches `Logits/w`, not `LogitsX/w`); `tf` = TF1's `get_collection(key, scope)` (a regular
 * expression matched at the start of the name: `inference/conv` matches `inference/conv1/…`),
 * which is what the articles' `tune_scope` / slim's `trainable_scopes` did.
 */
export type ScopeMatching = 'boundary' | 'tf';

/** Selection options for ParameterSet.select/freeze with the given matching. */
export function scopeSelection(scopes: readonly string[], matching: ScopeMatching, as: 'include' | 'exclude' = 'include'): { include?: string[]; exclude?: string[]; includeRegex?: RegExp[]; excludeRegex?: RegExp[] } {
  if (scopes.length === 0) return {};
  if (matching === 'boundary') return as === 'include' ? { include: [...scopes] } : { exclude: [...scopes] };
  const re = scopes.map(tfScopeRegex);
  return as === 'include' ? { includeRegex: re } : { excludeRegex: re };
}

/**
 * A TF1 scope as the regular expression `get_collection` matches at the start of a name.
 * @throws InvalidArgumentError `bad_scope_regex` when the scope is not a valid regular expression.
 */
export function tfScopeRegex(scope: string): RegExp {
  try {
    new RegExp(scope); // alone too: "a)(b" is invalid, though "^(?:a)(b)" would compile
    return new RegExp(`^(?:${scope})`);
  } catch (cause) {
    throw new InvalidArgumentError('bad_scope_regex', `scope ${JSON.stringify(scope)} is not a valid regular expression (TF1 scopes are regexes matched at the start of the name)`, {
      hint: 'escape the special characters, or use scopeMatching: "boundary" for plain /-boundary prefixes', details: { scope }, cause,
    });
  }
}

/** Whether a name is selected by scopes under a matching. */
export function matchesScopes(name: string, scopes: readonly string[], matching: ScopeMatching): boolean {
  return scopes.some((s) => (matching === 'tf' ? tfScopeRegex(s).test(name) : name === s.replace(/\/+$/, '') || name.startsWith(s.replace(/\/+$/, '') + '/')));
}

/** Parse `DIR[:SCOPE[,SCOPE…]]` (the part after the last `:` that names no existing path). */
export function parseRestoreSpec(text: string, options: { freeze?: boolean } = {}): RestorePart {
  const i = text.lastIndexOf(':');
  const part: RestorePart = i > 0 ? { from: text.slice(0, i), include: text.slice(i + 1).split(',').map((s) => s.trim()).filter(Boolean) } : { from: text };
  if (part.from === '') throw new InvalidArgumentError('bad_restore_spec', `restore spec "${text}" names no checkpoint`, { hint: 'write DIR or DIR:SCOPE,SCOPE (e.g. runs/cnn:inference/conv)' });
  if (options.freeze) part.freeze = true;
  return part;
}

/**
 * The checkpoint a path names: a checkpoint prefix (or its `.index` / `.meta.json`), or a
 * directory whose `checkpoint` state file names the latest.
 * @throws CheckpointNotFoundError `checkpoint_not_found`
 */
export async function resolveCheckpoint(path: string): Promise<string> {
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory()) {
    const latest = await latestCheckpoint(path);
    if (!latest) {
      throw new CheckpointNotFoundError('checkpoint_not_found', `${path}: no checkpoint in this directory (no "checkpoint" state file naming an existing checkpoint)`, {
        hint: 'train into it first (graft train --train-dir DIR) or pass a checkpoint prefix such as DIR/model.ckpt-100',
        details: { path },
      });
    }
    return latest;
  }
  for (const suffix of ['.meta.json', '.index']) if (path.endsWith(suffix)) return path.slice(0, -suffix.length);
  const ok = (await stat(`${path}.index`).catch(() => undefined)) ?? (path.endsWith('.safetensors') ? st : undefined);
  if (!ok) {
    throw new CheckpointNotFoundError('checkpoint_not_found', `${path}: no such checkpoint (neither ${path}.index nor a directory)`, {
      hint: 'pass a training directory or a prefix such as runs/mnist/model.ckpt-200',
      details: { path },
    });
  }
  return path;
}

/** Read a checkpoint's meta; a clear error when it has none. */
export async function readCheckpointMeta(checkpoint: string): Promise<CheckpointMeta> {
  try {
    return await readMeta(checkpoint);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT' || (e as { code?: string }).code === 'file_not_found') {
      throw new CheckpointNotFoundError('meta_not_found', `${metaPathFor(checkpoint)} does not exist, so the model cannot be rebuilt without code`, {
        hint: 'checkpoints written by graft train / Saver.save({meta}) have one; for others build the model in code and restore with restoreFromCheckpoint',
        details: { path: metaPathFor(checkpoint) },
        cause: e,
      });
    }
    throw e;
  }
}

/** What a Graft-trained checkpoint's meta says beyond the variables. */
export interface MetaExtras {
  task?: TaskSpec;
  vocabulary?: Vocabulary;
  savedScopes?: string[];
}

/** The task, vocabulary and saved scopes stored in `meta.extra`. */
export function metaExtras(meta: CheckpointMeta): MetaExtras {
  const extra = (meta.extra ?? {}) as Record<string, unknown>;
  const out: MetaExtras = {};
  if (extra.task && typeof extra.task === 'object') out.task = extra.task as TaskSpec;
  if (Array.isArray(extra.vocabulary)) out.vocabulary = new Vocabulary(extra.vocabulary as string[]);
  if (Array.isArray(extra.savedScopes)) out.savedScopes = extra.savedScopes as string[];
  return out;
}

/**
 * Rebuild the model a meta describes (`model: {name, config}`).
 * @throws InvalidArgumentError `meta_without_model` when the meta names no model.
 */
export function modelFromMeta(meta: CheckpointMeta, where: string): ClassifierModel {
  if (!meta.model) {
    throw new InvalidArgumentError('meta_without_model', `${where}: the .meta.json names no model, so it cannot be rebuilt without code`, {
      hint: 'save with meta: {model: {name, config}} (graft train does), or build the model in code',
    });
  }
  return buildModel(meta.model.name, modelConfigOf(meta, where));
}

function modelConfigOf(meta: CheckpointMeta, where: string): Record<string, unknown> {
  const c = meta.model!.config;
  if (c !== undefined && c !== null && (typeof c !== 'object' || Array.isArray(c))) {
    throw new InvalidArgumentError('bad_model_config', `${where}: the .meta.json model.config is not an object (${JSON.stringify(c)?.slice(0, 60)})`, { hint: 'the file is damaged; re-save the checkpoint' });
  }
  return (c ?? {}) as Record<string, unknown>;
}

/** The largest dimension of any tensor in a checkpoint's index (read lazily: no tensor data). */
export async function largestDimension(checkpoint: string): Promise<number> {
  let max = 0;
  for (const v of await listVariables(checkpoint)) for (const d of v.shape) if (d > max) max = d;
  return max;
}

/**
 * {@link modelFromMeta} with the config checked against the checkpoint's index first: no size
 * field may exceed the checkpoint's largest dimension (registry.ts `validateModelConfig`), so a
 * damaged or hostile `.meta.json` (`fcUnits: 1e8`) is refused before anything is allocated.
 * @throws InvalidArgumentError `meta_without_model`, `bad_model_config` naming the field.
 */
export async function modelFromCheckpointMeta(meta: CheckpointMeta, checkpoint: string): Promise<ClassifierModel> {
  if (!meta.model) return modelFromMeta(meta, checkpoint);
  const maxDimension = await largestDimension(checkpoint);
  return buildModel(meta.model.name, modelConfigOf(meta, checkpoint), { maxDimension, source: metaPathFor(checkpoint) });
}

/**
 * Run `fn` with a list it adds its CheckpointManagers to; every one is closed on every way out
 * (return, throw, interruption), so the run directories' locks are released.
 */
export async function withManagers<R>(fn: (managers: CheckpointManager[]) => Promise<R>): Promise<R> {
  const managers: CheckpointManager[] = [];
  try {
    return await fn(managers);
  } finally {
    for (const m of managers) await m.close();
  }
}
