/**
 * `Saver`: TF1's `tf.train.Saver` for Graft (docs/design/TF-SEMANTICS.md §3.1–3.4, saver.py).
 *
 * save(prefix, {globalStep}) writes `prefix-STEP.data-00000-of-00001` then `prefix-STEP.index`
 * (each atomically), then `prefix-STEP.meta.json` when a model description is given, then the
 * `checkpoint` state file, and only then deletes checkpoints past `maxToKeep` — so the state
 * file only ever names complete checkpoints, whatever moment a crash hits. Re-saving a prefix the
 * state file lists (no globalStep, the TF1 habit) first takes it off the list — through a bridge
 * checkpoint `<prefix>.resave` when it is the only one — as its two files are replaced one after
 * the other. Retention is TF's:
 * the oldest checkpoint past `maxToKeep` is deleted unless it is due under
 * `keepCheckpointEveryNHours`. Like TF1, a new Saver starts with an empty list of recent
 * checkpoints (`recoverLastCheckpoints` restores it; CheckpointManager does so from the state file).
 *
 * restore(path) restores every variable of the saver or fails before changing any.
 */
import { stat } from '../io/fs.js';
import { dirname, basename, resolve } from '../io/path.js';
import type * as tf from '@tensorflow/tfjs-core';
import { writeBundle } from '../formats/tf-bundle/index.js';
import { writeSafetensors } from '../formats/safetensors/index.js';
import type { TensorValue } from '../formats/types.js';
import type { Parameter } from '../variables/parameter-set.js';
import { CheckpointNotFoundError, InvalidArgumentError } from '../errors.js';
import { isParameter, normalizeVarList, type NamedParameter, type VarList } from './var-list.js';
import { tensorValueFromVariable } from './tensor-bytes.js';
import { buildMeta, writeMeta, type MetaInput } from './meta.js';
import { deleteOwnedCheckpoint } from './run-files.js';
import { checkpointExists, getCheckpointState, updateCheckpointState } from './state.js';
import { planRestore, type RestorePlan } from './restore-plan.js';
import { executeRestorePlan } from './execute-plan.js';

/** Checkpoint file formats a Saver writes. */
export type SaverFormat = 'tf-bundle' | 'safetensors';

/** Options for {@link Saver}. */
export interface SaverOptions {
  /** The variables to save (ParameterSet, Parameter[], newVariable-made tf.Variable[], `{ckptName: variable}`, or a VariableStore). */
  varList: VarList;
  /** Recent checkpoints to keep; 0 or null keeps all (and lists only the newest). Default 5. */
  maxToKeep?: number | null;
  /** Keep one checkpoint every N hours beyond maxToKeep. Default 10000 (TF: effectively never). */
  keepCheckpointEveryNHours?: number;
  /** Default `'tf-bundle'` (TF-readable); `'safetensors'` writes `<prefix>-STEP.safetensors`. */
  format?: SaverFormat;
  /**
   * Write paths relative to the checkpoint directory in the state file (TF `save_relative_paths`).
   * Default true — unlike TF1's Saver (False), so that a copied or moved run directory names its
   * own files (TF reads both forms: relative paths are joined onto the directory).
   */
  saveRelativePaths?: boolean;
  /** fsync every file and directory (durability); default true. */
  fsync?: boolean;
  /** Clock in seconds since the epoch (tests inject one for keepCheckpointEveryNHours). */
  now?: () => number;
  /** Also write `all_model_checkpoint_timestamps` (as TF2 CheckpointManager); default false (TF1 Saver writes paths only). */
  recordTimestamps?: boolean;
}

/** Options for {@link Saver.save}. */
export interface SaveOptions {
  /** Appended as `-STEP` (a number, an int32 variable, or a Parameter such as global_step). */
  globalStep?: number | tf.Variable | Parameter;
  /** Update the `checkpoint` state file and apply retention; default true. */
  writeState?: boolean;
  /** Write `<checkpoint>.meta.json` describing the model (TF writes `.meta`); omit or false for none. */
  meta?: MetaInput | false;
  /** State file name; default `"checkpoint"`. */
  latestFilename?: string;
  /** Values already read with {@link Saver.snapshot} (to write one step's values twice without a second copy). */
  tensors?: TensorValue[];
}

function stepOf(g: SaveOptions['globalStep']): number | undefined {
  if (g === undefined) return undefined;
  if (typeof g === 'number') return g;
  const v = isParameter(g) ? g.variable : g;
  return Math.trunc(v.dataSync()[0] as number);
}

/** The file that holds a checkpoint's data for a format (bundle: the prefix). */
function checkpointPath(prefix: string, format: SaverFormat): string {
  return format === 'safetensors' ? `${prefix}.safetensors` : prefix;
}

/**
 * Delete a checkpoint's own files (TF `remove_checkpoint` over index, data shards; Graft's
 * `.meta.json`; a `.safetensors` file): only names of those formats directly in the
 * checkpoint's directory, never the bare path of anything else (run-files.ts).
 */
export async function deleteCheckpointFiles(path: string): Promise<void> {
  await deleteOwnedCheckpoint(dirname(path), path);
}

/** Saves and restores a fixed list of variables under checkpoint names, TF1-style. */
export class Saver {
  private readonly pairs: NamedParameter[];
  private readonly maxToKeep: number;
  private readonly keepEveryNHours: number;
  private readonly format: SaverFormat;
  private readonly saveRelativePaths: boolean;
  private readonly fsync: boolean;
  private readonly now: () => number;
  private readonly recordTimestamps: boolean;
  private last: [string, number][] = [];
  private toDelete: [string, number][] = [];
  private nextCheckpointTime: number;

  /**
   * @throws InvalidArgumentError `no_variables` ("No variables to save"), `duplicate_variable_name`,
   *   `same_variable_two_names`.
   * @example
   * const saver = new Saver({ varList: params, maxToKeep: 5 });
   * await saver.save('runs/a/model.ckpt', { globalStep: 1000 });   // runs/a/model.ckpt-1000.*
   * await saver.restore(await latestCheckpoint('runs/a'));
   */
  constructor(options: SaverOptions) {
    this.pairs = normalizeVarList(options.varList);
    if (this.pairs.length === 0) {
      throw new InvalidArgumentError('no_variables', 'No variables to save', { hint: 'pass the variables to save as varList' });
    }
    this.maxToKeep = options.maxToKeep ?? (options.maxToKeep === null ? 0 : 5);
    if (!Number.isInteger(this.maxToKeep) || this.maxToKeep < 0) {
      throw new InvalidArgumentError('bad_max_to_keep', `maxToKeep must be a non-negative integer or null, got ${options.maxToKeep}`, { hint: 'use 0 or null to keep every checkpoint' });
    }
    this.keepEveryNHours = options.keepCheckpointEveryNHours ?? 10000;
    this.format = options.format ?? 'tf-bundle';
    this.saveRelativePaths = options.saveRelativePaths ?? true;
    this.fsync = options.fsync ?? true;
    this.now = options.now ?? (() => Date.now() / 1000);
    this.recordTimestamps = options.recordTimestamps ?? false;
    this.nextCheckpointTime = this.now() + this.keepEveryNHours * 3600;
  }

  /** The checkpoint names this saver writes, sorted. */
  get names(): string[] {
    return this.pairs.map((p) => p.key).sort();
  }

  /** Paths of the recent checkpoints still kept, oldest first (TF `last_checkpoints`). */
  get lastCheckpoints(): string[] {
    return this.last.map(([p]) => p);
  }

  /**
   * Adopt checkpoints written earlier (TF `recover_last_checkpoints`); those that no longer exist
   * are dropped. With `lastPreservedTimestamp` (the state file's, as TF2's CheckpointManager
   * reads it) the keep-every-N-hours clock continues from the last preserved checkpoint instead
   * of restarting at this saver's creation, so a job restarted more often than every N hours
   * still preserves one checkpoint per N hours. A timestamp in the future is clamped to now.
   */
  async recoverLastCheckpoints(paths: readonly string[], timestamps?: readonly number[], lastPreservedTimestamp?: number): Promise<void> {
    const now = this.now();
    const kept: [string, number][] = [];
    for (let i = 0; i < paths.length; i++) if (await checkpointExists(paths[i]!)) kept.push([paths[i]!, Math.min(timestamps?.[i] ?? now, now)]);
    this.last = kept;
    if (lastPreservedTimestamp) this.nextCheckpointTime = Math.min(lastPreservedTimestamp, now) + this.keepEveryNHours * 3600;
  }

  /** The current values as checkpoint tensors, sorted by name (TF sorts before SaveV2). */
  snapshot(): TensorValue[] {
    return [...this.pairs]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ key, param }) => tensorValueFromVariable(key, param.variable, param.saveDtype));
  }

  /**
   * Write a checkpoint; returns its path (`<prefix>-<step>`, or `<prefix>-<step>.safetensors`).
   * @throws InvalidArgumentError `parent_dir_missing` ("Parent directory of <p> doesn't exist, can't save.").
   */
  async save(prefix: string, options: SaveOptions = {}): Promise<string> {
    const step = stepOf(options.globalStep);
    const stem = step === undefined ? prefix : `${prefix}-${step}`;
    const path = checkpointPath(stem, this.format);
    const dir = dirname(path);
    const st = await stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new InvalidArgumentError('parent_dir_missing', `Parent directory of ${path} doesn't exist, can't save.`, {
        hint: `create ${dir} first (mkdir -p)`,
        details: { path, dir },
      });
    }
    const latestFilename = options.latestFilename ?? 'checkpoint';
    if (step === undefined && basename(path) === latestFilename) {
      throw new InvalidArgumentError('latest_filename_collision', `'latest_filename' collides with 'save_path': '${latestFilename}' and '${path}'`, {
        hint: 'choose a checkpoint prefix other than the state file name',
      });
    }
    const tensors = options.tensors ?? this.snapshot(); // read every value before writing anything
    const bridge = (options.writeState ?? true) ? await this.prepareOverwrite(dir, stem, path, tensors, latestFilename) : null;
    await this.writeFiles(path, tensors);
    if (options.meta) await writeMeta(path, buildMeta(this.pairs.reduce<Record<string, Parameter>>((r, p) => ((r[p.key] = p.param), r), {}), options.meta), { fsync: this.fsync });
    if (options.writeState ?? true) {
      this.recordLastCheckpoint(path);
      const doomed = this.takeCheckpointToDelete();
      await updateCheckpointState(dir, path, {
        allModelCheckpointPaths: this.last.map(([p]) => p),
        allModelCheckpointTimestamps: this.recordTimestamps && this.maxToKeep > 0 ? this.last.map(([, t]) => t) : [],
        // with timestamps (CheckpointManager, as TF2's): the keep-every-N-hours clock survives a restart
        ...(this.recordTimestamps ? { lastPreservedTimestamp: this.nextCheckpointTime - this.keepEveryNHours * 3600 } : {}),
        saveRelativePaths: this.saveRelativePaths,
        latestFilename,
      });
      // retention deletes only checkpoints of the directory it saves into (run-files.ts)
      if (bridge) await deleteOwnedCheckpoint(dir, bridge);
      if (doomed) await deleteOwnedCheckpoint(dir, doomed);
    }
    return path;
  }

  /**
   * Before overwriting a checkpoint the state file lists (re-saving a prefix without globalStep),
   * take it off the list: its data and index are replaced one after the other, and the state file
   * must never name a half-rewritten checkpoint. When it is the only one listed, the new values
   * are first written to a bridge checkpoint `<prefix>.resave` which the state file names while
   * the prefix is rewritten; the bridge's path is returned so it can be deleted afterwards.
   */
  private async prepareOverwrite(dir: string, stem: string, path: string, tensors: TensorValue[], latestFilename: string): Promise<string | null> {
    if (!(await checkpointExists(path))) return null;
    const state = await getCheckpointState(dir, { latestFilename });
    if (!state) return null;
    const same = (p: string): boolean => resolve(p) === resolve(path);
    if (!same(state.modelCheckpointPath) && !state.allModelCheckpointPaths.some(same)) return null;
    const withTimes = state.allModelCheckpointTimestamps.length === state.allModelCheckpointPaths.length;
    const keep = state.allModelCheckpointPaths.map((p, i) => ({ p, t: state.allModelCheckpointTimestamps[i] })).filter(({ p }) => !same(p));
    if (keep.length > 0) {
      await updateCheckpointState(dir, keep[keep.length - 1]!.p, {
        allModelCheckpointPaths: keep.map(({ p }) => p),
        allModelCheckpointTimestamps: withTimes ? keep.map(({ t }) => t!) : [],
        saveRelativePaths: this.saveRelativePaths,
        latestFilename,
      });
      return null;
    }
    const bridge = checkpointPath(`${stem}.resave`, this.format);
    await this.writeFiles(bridge, tensors);
    await updateCheckpointState(dir, bridge, { allModelCheckpointPaths: [bridge], saveRelativePaths: this.saveRelativePaths, latestFilename });
    return bridge;
  }

  /**
   * Write the current values as a checkpoint at `stem` in this saver's format (no state file, no
   * retention, no `.meta.json`): a copy kept elsewhere, such as CheckpointManager's `best/`;
   * `tensors` from {@link snapshot} when the values were already read.
   * Returns the path written (`stem`, or `stem.safetensors`).
   */
  async writeCopy(stem: string, tensors: TensorValue[] = this.snapshot()): Promise<string> {
    const path = checkpointPath(stem, this.format);
    await this.writeFiles(path, tensors);
    return path;
  }

  private async writeFiles(path: string, tensors: TensorValue[]): Promise<void> {
    if (this.format === 'safetensors') await writeSafetensors(path, tensors, { fsync: this.fsync });
    else await writeBundle(path, tensors, { fsync: this.fsync });
  }

  private recordLastCheckpoint(path: string): void {
    if (this.maxToKeep <= 0) return;
    this.last = this.last.filter(([p]) => p !== path);
    this.last.push([path, this.now()]);
    if (this.last.length > this.maxToKeep) this.toDelete.push(this.last.shift()!);
  }

  /**
   * TF's `_MaybeDeleteOldCheckpoints` decision: the checkpoint that fell off the list, unless it is
   * the one kept for this N-hour period (then the clock moves on). Decided before the state file
   * is written, so the file records the clock the deletion used; deleted after it is written.
   */
  private takeCheckpointToDelete(): string | null {
    const p = this.toDelete.shift();
    if (!p) return null;
    if (p[1] > this.nextCheckpointTime) {
      this.nextCheckpointTime += this.keepEveryNHours * 3600;
      return null;
    }
    return p[0];
  }

  /**
   * Restore every variable of this saver from `path`, or none.
   * @throws CheckpointNotFoundError `checkpoint_not_found` ("The passed save_path is not a valid
   *   checkpoint: <path>"); RestoreMismatchError when a variable is missing or mismatched.
   * @example
   * const report = await saver.restore(await latestCheckpoint('runs/a'));
   * console.log(report.toString());
   */
  async restore(path: string | null | undefined): Promise<RestorePlan> {
    if (path === null || path === undefined || path === '') {
      throw new InvalidArgumentError('no_save_path', "Can't load save_path when it is None.", {
        hint: 'latestCheckpoint(dir) returns null when the directory has no checkpoint; check before restoring',
      });
    }
    if (!(await checkpointExists(path))) {
      throw new CheckpointNotFoundError('checkpoint_not_found', `The passed save_path is not a valid checkpoint: ${path}`, {
        hint: 'pass a checkpoint prefix (dir/model.ckpt-1000, without .index) or use latestCheckpoint(dir)',
        details: { path },
      });
    }
    const record: Record<string, Parameter> = {};
    for (const { key, param } of this.pairs) record[key] = param;
    return executeRestorePlan(await planRestore(record, path));
  }
}
