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
 * file; Graft throws FormatError `bad_state_file`, because "no checkpoint" makes a training loop
 * start from scratch and overwrite a run. The file format itself is formats/state-file.ts.
 */
import { schemeOf } from '../io/path.js';
import { stat } from '../io/fs.js';
import { readCheckpointState, writeCheckpointState, type CheckpointState } from '../formats/state-file.js';
import { InvalidArgumentError } from '../errors.js';

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
  const scheme = schemeOf(prefix);
  if (scheme === 'http' || scheme === 'https') {
    // by name, one request: every probe of a missing name is a 404 (a console error in a page)
    return /\.(index|safetensors|json|pt|pth|bin|h5|hdf5|keras)$/.test(prefix) ? isFile(prefix) : isFile(`${prefix}.index`);
  }
  return (await isFile(`${prefix}.index`)) || (await isFile(prefix));
}

/**
 * The state of `dir`'s `checkpoint` file with every relative path joined onto `dir`, or null
 * when there is no state file (TF `get_checkpoint_state`).
 * @throws FormatError `bad_state_file` when the file cannot be parsed, `invalid_checkpoint_state`
 *   when it names no checkpoint ("Invalid checkpoint state loaded from <dir>").
 */
export async function getCheckpointState(dir: string, options: StateFileOptions = {}): Promise<CheckpointState | null> {
  return (await readCheckpointState(dir, { latestFilename: stateFileName(options) })) ?? null;
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
}

/**
 * Atomically and durably replace `saveDir`'s state file (TF `update_checkpoint_state_internal`).
 * @throws InvalidArgumentError `state_path_conflict`: "Save path '%s' conflicts with path used
 *   for checkpoint state.  Please use a different save path."
 */
export async function updateCheckpointState(saveDir: string, modelCheckpointPath: string, options: UpdateCheckpointStateOptions = {}): Promise<void> {
  const state: CheckpointState = {
    modelCheckpointPath,
    allModelCheckpointPaths: [...(options.allModelCheckpointPaths ?? [])],
    allModelCheckpointTimestamps: [...(options.allModelCheckpointTimestamps ?? [])],
  };
  if (options.lastPreservedTimestamp !== undefined) state.lastPreservedTimestamp = options.lastPreservedTimestamp;
  await writeCheckpointState(saveDir, state, { latestFilename: stateFileName(options), saveRelativePaths: options.saveRelativePaths });
}
