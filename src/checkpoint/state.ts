/**
 * The `checkpoint` state file of a directory, TF's `checkpoint_management.py`:
 * `getCheckpointState(dir)`, `latestCheckpoint(dir)`, `checkpointExists(prefix)` and
 * `updateCheckpointState` (used by Saver and CheckpointManager).
 *
 * TF rules kept: relative paths in the file are relative to the directory; with
 * `saveRelativePaths` absolute paths are written relative to the save directory, and when the
 * save directory itself is relative, relative paths are rewritten relative to it
 * (`update_checkpoint_state_internal`). The file is replaced atomically.
 * Deliberate difference: TF logs "Checkpoint ignored" and returns None for an unreadable state
 * file; Graft throws FormatError `bad_checkpoint_state`, because "no checkpoint" makes a
 * training loop start from scratch and overwrite a run.
 */
import { stat, readFile } from 'node:fs/promises';
import { join, isAbsolute, relative, resolve, dirname } from 'node:path';
import { readCheckpointState, writeCheckpointState, type CheckpointState } from '../formats/state-file.js';
import { FormatError, InvalidArgumentError } from '../errors.js';

export type { CheckpointState };

/** Options naming the state file. */
export interface StateFileOptions {
  /** State file name inside the directory; default `"checkpoint"` (TF `latest_filename`). */
  latestFilename?: string;
}

function stateFileName(options: StateFileOptions): string {
  const name = options.latestFilename ?? 'checkpoint';
  if (name.includes('/') || name.includes('\\')) {
    throw new InvalidArgumentError('bad_latest_filename', "'latest_filename' must not contain path components", {
      hint: 'pass a bare file name such as "checkpoint"',
      details: { latestFilename: name },
    });
  }
  return name;
}

async function isFile(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  return st !== undefined && st.isFile();
}

/**
 * Whether a checkpoint exists at `prefix` (TF `checkpoint_exists`): `<prefix>.index` is a file,
 * or `prefix` itself is a file (a V1 checkpoint, or a single-file format like safetensors).
 */
export async function checkpointExists(prefix: string): Promise<boolean> {
  return (await isFile(`${prefix}.index`)) || (await isFile(prefix));
}

/**
 * The state of `dir`'s `checkpoint` file with every relative path joined onto `dir`, or null
 * when there is no state file (TF `get_checkpoint_state`).
 * @throws FormatError `bad_checkpoint_state` when the file cannot be parsed or names no checkpoint
 *   ("Invalid checkpoint state loaded from <dir>").
 */
export async function getCheckpointState(dir: string, options: StateFileOptions = {}): Promise<CheckpointState | null> {
  const file = join(dir, stateFileName(options));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
  let state: CheckpointState;
  try {
    state = readCheckpointState(text, file);
  } catch (cause) {
    throw new FormatError('bad_checkpoint_state', `${file}: Checkpoint ignored (the state file does not parse as a CheckpointState text proto)`, {
      hint: 'rewrite or delete the state file; the checkpoints beside it are still readable by prefix',
      details: { path: file },
      cause,
    });
  }
  if (!state.modelCheckpointPath) {
    throw new FormatError('bad_checkpoint_state', `Invalid checkpoint state loaded from ${dir}`, {
      hint: 'the state file has no model_checkpoint_path; rewrite or delete it',
      details: { path: file },
    });
  }
  const abs = (p: string): string => (isAbsolute(p) ? p : join(dir, p));
  return {
    ...state,
    modelCheckpointPath: abs(state.modelCheckpointPath),
    allModelCheckpointPaths: state.allModelCheckpointPaths.map(abs),
  };
}

/**
 * The prefix of the newest checkpoint in `dir`, or null (TF `latest_checkpoint`): the state
 * file's model_checkpoint_path when its files exist.
 */
export async function latestCheckpoint(dir: string, options: StateFileOptions = {}): Promise<string | null> {
  const state = await getCheckpointState(dir, options);
  if (state === null) return null;
  if (await checkpointExists(state.modelCheckpointPath)) return state.modelCheckpointPath;
  return null;
}

/** Options for {@link updateCheckpointState}. */
export interface UpdateCheckpointStateOptions extends StateFileOptions {
  /** Oldest → newest; the newest is appended when absent. Default `[modelCheckpointPath]`. */
  allModelCheckpointPaths?: readonly string[];
  /** Seconds since the epoch, one per path (CheckpointManager writes them, TF1 Saver does not). */
  allModelCheckpointTimestamps?: readonly number[];
  lastPreservedTimestamp?: number;
  /** Write absolute paths relative to `saveDir` (TF `save_relative_paths`). */
  saveRelativePaths?: boolean;
  /** fsync the file and directory; default true. */
  fsync?: boolean;
}

/**
 * Atomically replace `saveDir`'s state file (TF `update_checkpoint_state_internal`).
 * @throws InvalidArgumentError `state_path_conflict`: "Save path '%s' conflicts with path used
 *   for checkpoint state.  Please use a different save path."
 */
export async function updateCheckpointState(saveDir: string, modelCheckpointPath: string, options: UpdateCheckpointStateOptions = {}): Promise<void> {
  const file = join(saveDir, stateFileName(options));
  let all = [...(options.allModelCheckpointPaths ?? [])];
  let model = modelCheckpointPath;
  if (options.saveRelativePaths) {
    if (isAbsolute(model)) model = relative(saveDir, model);
    all = all.map((p) => (isAbsolute(p) ? relative(saveDir, p) : p));
  }
  if (!isAbsolute(saveDir)) {
    if (!isAbsolute(model)) model = relative(saveDir, model);
    all = all.map((p) => (isAbsolute(p) ? p : relative(saveDir, p)));
  }
  if (all.length === 0 || all[all.length - 1] !== model) all.push(model);
  if (resolve(saveDir, model) === resolve(file)) {
    throw new InvalidArgumentError('state_path_conflict', `Save path '${modelCheckpointPath}' conflicts with path used for checkpoint state.  Please use a different save path.`, {
      hint: 'use a checkpoint prefix other than the state file name',
      details: { path: modelCheckpointPath },
    });
  }
  const state: CheckpointState = {
    modelCheckpointPath: model,
    allModelCheckpointPaths: all,
    allModelCheckpointTimestamps: [...(options.allModelCheckpointTimestamps ?? [])],
  };
  if (options.lastPreservedTimestamp !== undefined) state.lastPreservedTimestamp = options.lastPreservedTimestamp;
  await writeCheckpointState(file, state, { fsync: options.fsync ?? true });
}

/** The directory a checkpoint prefix lives in. */
export function checkpointDir(prefix: string): string {
  return dirname(prefix);
}
