/**
 * The `checkpoint` state file: a text-format CheckpointState
 * (tensorflow/python/training/checkpoint_state.proto, proto3; docs/design/TF-SEMANTICS.md §3.3) read and
 * written as `checkpoint_management.py` does:
 *
 *   model_checkpoint_path: "model.ckpt-3000"              string = 1
 *   all_model_checkpoint_paths: "model.ckpt-1000"         repeated string = 2 (oldest → newest)
 *   all_model_checkpoint_timestamps: 1700000000.123456    repeated double = 3 (seconds)
 *   last_preserved_timestamp: 1699990000.5                double = 4
 *
 * Written with `text_format.MessageToString`: one `name: value` line per field in field order,
 * proto3 zero/empty scalars omitted, strings C-escaped, doubles as Python `repr`. Written
 * atomically (temp + fsync + rename). Read with `text_format.Merge` semantics (any field order,
 * last scalar wins, `[a, b]` lists, comments), relative paths joined onto the directory with
 * Python's `os.path.join`.
 *
 * Paths (the run directory as a unit that can be copied and moved): TF's get_checkpoint_state
 * (checkpoint_management.py) joins a relative path onto the directory and returns an absolute
 * one as written, whatever it points to — so a TF1 Saver's absolute paths (save_relative_paths
 * defaults to False) keep naming the old location after `mv`/`cp -r`. Graft writes relative
 * paths everywhere (Saver and CheckpointManager), reads both forms, and adds one rule TF does not
 * have: an absolute path whose own directory is not this one, while `<dir>/<its basename>` is a
 * checkpoint here (`.index`, or the file itself for single-file formats), is read as
 * `<dir>/<basename>` — the state file was copied or moved along with its checkpoints, and the
 * copy must use (and later delete) its own files, never the original's. The rewrite is
 * reported in `relocated` by readCheckpointStateDetailed; absolute paths with no such basename
 * here are returned as written (TF's behaviour), for the caller to judge (CheckpointManager
 * refuses to adopt paths outside its directory).
 *
 * Deviation, on purpose: TF's get_checkpoint_state logs "Checkpoint ignored" and returns None for
 * an unparseable file; Graft throws FormatError `bad_state_file` so the problem is not silent.
 */
import { readFile, stat } from '../io/fs.js';
import { readSource as readRegularFile } from '../io/source.js';
import { basename, dirname, isAbsolute, relative, resolve } from '../io/path.js';
import { FormatError, GraftError, InvalidArgumentError } from '../errors.js';
import { atomicWriteFile } from './atomic.js';
import { TextFormatSyntaxError, cEscape, parseTextFloat, pythonFloatRepr, tokenizeTextFormat, type TextToken } from './proto/text-format.js';

/** TF's default state-file name (`latest_filename` default). */
export const CHECKPOINT_STATE_FILENAME = 'checkpoint';

/** The contents of a `checkpoint` state file. */
export interface CheckpointState {
  /** Prefix of the newest checkpoint. */
  modelCheckpointPath: string;
  /** Prefixes of all kept checkpoints, oldest first; the last equals modelCheckpointPath. */
  allModelCheckpointPaths: string[];
  /** Save times (seconds since the epoch) matching allModelCheckpointPaths, or empty. */
  allModelCheckpointTimestamps: number[];
  /** CheckpointManager's keep-every-N-hours marker (seconds), when set. */
  lastPreservedTimestamp?: number;
}

/** Options of readCheckpointState / writeCheckpointState. */
export interface CheckpointStateOptions {
  /** State file name inside the directory (TF's `latest_filename`; default "checkpoint"). */
  latestFilename?: string;
}

/** Options of writeCheckpointState. */
export interface WriteCheckpointStateOptions extends CheckpointStateOptions {
  /** Store absolute paths relative to the directory (TF's save_relative_paths; default false as in tf.train.Saver; CheckpointManager uses true). */
  saveRelativePaths?: boolean;
}

/** Largest state file read (TF's hold a few paths; 64 MiB is far beyond any real one). */
const MAX_STATE_FILE_BYTES = 64 * 1024 * 1024;

const FIELDS = ['model_checkpoint_path', 'all_model_checkpoint_paths', 'all_model_checkpoint_timestamps', 'last_preserved_timestamp'] as const;

function parseError(source: string, what: string, line?: number): FormatError {
  return new FormatError('bad_state_file', `${source}: ${line === undefined ? '' : `line ${line}: `}${what}`, {
    hint: 'the checkpoint state file is not a text-format CheckpointState; fix or delete it (TF ignores such a file)',
    details: { path: source, line },
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parse the text of a `checkpoint` file exactly as TF's `text_format.Merge` into CheckpointState.
 * Paths are returned as written (relative ones are not joined; readCheckpointState does that).
 * @throws FormatError `bad_state_file` with the line and field.
 */
export function parseCheckpointState(text: string, source = CHECKPOINT_STATE_FILENAME): CheckpointState {
  return parseWithLines(text, source).state;
}

/** Line numbers (1-based) where each path of a parsed state file was written. */
export interface CheckpointStateLines {
  /** Line of the last `model_checkpoint_path` (the one that wins), or undefined. */
  modelCheckpointPath?: number;
  /** One line per entry of allModelCheckpointPaths. */
  allModelCheckpointPaths: number[];
}

function parseWithLines(text: string, source: string): { state: CheckpointState; lines: CheckpointStateLines } {
  const lines: CheckpointStateLines = { allModelCheckpointPaths: [] };
  let tokens: TextToken[];
  try {
    tokens = tokenizeTextFormat(text);
  } catch (e) {
    if (e instanceof TextFormatSyntaxError) throw parseError(source, e.what, e.line);
    throw e;
  }
  const state: CheckpointState = { modelCheckpointPath: '', allModelCheckpointPaths: [], allModelCheckpointTimestamps: [] };
  let i = 0;
  const peek = (): TextToken | undefined => tokens[i];
  const next = (what: string): TextToken => {
    const t = tokens[i++];
    if (t === undefined) throw parseError(source, `expected ${what} but the file ended`);
    return t;
  };
  const str = (field: string): string => {
    let t = next(`a string for ${field}`);
    if (t.kind !== 'string') throw parseError(source, `expected a string value for ${field}, found ${JSON.stringify(t.text)}`, t.line);
    const parts: Uint8Array[] = [t.bytes!];
    // Adjacent string literals concatenate.
    while (peek()?.kind === 'string') { t = next('string'); parts.push(t.bytes!); }
    const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    try {
      return utf8.decode(all);
    } catch {
      throw parseError(source, `${field} is not valid UTF-8`, t.line);
    }
  };
  const dbl = (field: string): number => {
    const t = next(`a number for ${field}`);
    const v = t.kind === 'number' || t.kind === 'ident' ? parseTextFloat(t.text) : undefined;
    if (v === undefined) throw parseError(source, `expected a number for ${field}, found ${JSON.stringify(t.text)}`, t.line);
    return v;
  };
  const repeated = <T>(field: string, one: () => T, push: (v: T) => void): void => {
    if (peek()?.kind === 'punct' && peek()!.text === '[') {
      i++;
      if (peek()?.text === ']') { i++; return; }
      for (;;) {
        push(one());
        const t = next(`',' or ']' in the list of ${field}`);
        if (t.text === ']') return;
        if (t.text !== ',') throw parseError(source, `expected ',' or ']' in the list of ${field}`, t.line);
      }
    }
    push(one());
  };
  while (i < tokens.length) {
    const t = next('a field name');
    if (t.kind !== 'ident' || !(FIELDS as readonly string[]).includes(t.text)) {
      throw parseError(source, `Message type "tensorflow.CheckpointState" has no field named "${t.text}"`, t.line);
    }
    const colon = next(`':' after ${t.text}`);
    if (colon.text !== ':') throw parseError(source, `expected ':' after ${t.text}`, colon.line);
    if (t.text === 'model_checkpoint_path') {
      lines.modelCheckpointPath = peek()?.line;
      state.modelCheckpointPath = str(t.text);
    } else if (t.text === 'all_model_checkpoint_paths') {
      repeated(t.text, () => [peek()?.line ?? t.line, str(t.text)] as const, ([line, v]) => {
        state.allModelCheckpointPaths.push(v);
        lines.allModelCheckpointPaths.push(line);
      });
    } else if (t.text === 'all_model_checkpoint_timestamps') repeated(t.text, () => dbl(t.text), (v) => state.allModelCheckpointTimestamps.push(v));
    else state.lastPreservedTimestamp = dbl(t.text);
    if (peek()?.kind === 'punct' && (peek()!.text === ',' || peek()!.text === ';')) i++;
  }
  return { state, lines };
}

/** The text TF's `text_format.MessageToString(CheckpointState)` produces, byte for byte. */
export function formatCheckpointState(state: CheckpointState): string {
  let s = '';
  if (state.modelCheckpointPath !== '') s += `model_checkpoint_path: "${cEscape(state.modelCheckpointPath)}"\n`;
  for (const p of state.allModelCheckpointPaths) s += `all_model_checkpoint_paths: "${cEscape(p)}"\n`;
  for (const t of state.allModelCheckpointTimestamps) s += `all_model_checkpoint_timestamps: ${pythonFloatRepr(t)}\n`;
  if (state.lastPreservedTimestamp !== undefined && state.lastPreservedTimestamp !== 0) {
    s += `last_preserved_timestamp: ${pythonFloatRepr(state.lastPreservedTimestamp)}\n`;
  }
  return s;
}

/** Python's posixpath.join(a, b). */
function pyJoin(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  if (a === '' || a.endsWith('/')) return a + b;
  return `${a}/${b}`;
}

/** Python's os.path.relpath(p, start). */
function pyRelpath(p: string, start: string): string {
  const r = relative(resolve(start), resolve(p));
  return r === '' ? '.' : r;
}

function stateFile(dir: string, latestFilename: string | undefined): string {
  const name = latestFilename ?? CHECKPOINT_STATE_FILENAME;
  if (name.includes('/') || name === '' || name === '.' || name === '..') {
    throw new InvalidArgumentError('invalid_latest_filename', `'latest_filename' must not contain path components: ${JSON.stringify(name)}`, {
      hint: 'pass a plain file name such as "checkpoint"',
      details: { latestFilename: name },
    });
  }
  return pyJoin(dir, name);
}

/** A state file read with where each path came from (readCheckpointStateDetailed). */
export interface CheckpointStateDetails {
  /** The state with relative paths joined onto the directory and moved paths relocated. */
  state: CheckpointState;
  /** The state file read. */
  file: string;
  /** The paths exactly as the file writes them. */
  written: CheckpointState;
  /** Line of each path in the file. */
  lines: CheckpointStateLines;
  /** Absolute paths of another directory read as this directory's file of the same name (the run was copied or moved). */
  relocated: { from: string; to: string; line?: number }[];
}

async function isCheckpointHere(prefix: string): Promise<boolean> {
  for (const p of [`${prefix}.index`, prefix]) {
    const st = await stat(p).catch(() => undefined);
    if (st?.isFile()) return true;
  }
  return false;
}

/**
 * Read `<dir>/checkpoint` as TF's get_checkpoint_state: undefined when the file does not exist;
 * relative paths joined onto `dir` (Python os.path.join); an absolute path into another
 * directory whose basename is a checkpoint in `dir` read as that one (the file comment says why).
 * @throws FormatError `bad_state_file` (unparseable), `invalid_checkpoint_state` (empty
 *   model_checkpoint_path: "Invalid checkpoint state loaded from <dir>").
 */
export async function readCheckpointState(dir: string, options: CheckpointStateOptions = {}): Promise<CheckpointState | undefined> {
  return (await readCheckpointStateDetailed(dir, options))?.state;
}

/** readCheckpointState plus the file's own paths, their lines, and the relocations applied. */
export async function readCheckpointStateDetailed(dir: string, options: CheckpointStateOptions = {}): Promise<CheckpointStateDetails | undefined> {
  const file = stateFile(dir, options.latestFilename);
  let text: string;
  try {
    // A regular file only: a FIFO named `checkpoint` must not block (io/open-file.ts).
    text = new TextDecoder().decode(await readRegularFile(file, MAX_STATE_FILE_BYTES, { what: 'checkpoint state file' }));
  } catch (e) {
    if (e instanceof GraftError && e.code === 'file_not_found') return undefined;
    if (e instanceof GraftError) throw e;
    throw new FormatError('bad_state_file', `${file}: cannot be read (${(e as Error).message})`, { hint: 'check the file permissions', details: { path: file }, cause: e });
  }
  const { state, lines } = parseWithLines(text, file);
  if (state.modelCheckpointPath === '') {
    throw new FormatError('invalid_checkpoint_state', `Invalid checkpoint state loaded from ${dir} (${file} has no model_checkpoint_path)`, {
      hint: 'delete the state file or write one with model_checkpoint_path set',
      details: { path: file },
    });
  }
  const relocated: CheckpointStateDetails['relocated'] = [];
  const here = resolve(dir);
  const abs = async (p: string, line: number | undefined): Promise<string> => {
    if (!isAbsolute(p)) return pyJoin(dir, p);
    if (resolve(dirname(p)) === here || basename(p) === '' || basename(p) === '..') return p;
    const mine = pyJoin(dir, basename(p));
    if (!(await isCheckpointHere(mine))) return p;
    if (!relocated.some((r) => r.from === p)) relocated.push({ from: p, to: mine, ...(line === undefined ? {} : { line }) });
    return mine;
  };
  const all: string[] = [];
  for (let k = 0; k < state.allModelCheckpointPaths.length; k++) all.push(await abs(state.allModelCheckpointPaths[k]!, lines.allModelCheckpointPaths[k]));
  return {
    state: { ...state, modelCheckpointPath: await abs(state.modelCheckpointPath, lines.modelCheckpointPath), allModelCheckpointPaths: all },
    file,
    written: state,
    lines,
    relocated,
  };
}

/**
 * Write `<dir>/checkpoint` atomically, as TF's update_checkpoint_state_internal: the model path is
 * appended to the list when it is not its last element; with saveRelativePaths absolute paths
 * become relative to `dir`; when `dir` itself is relative, relative paths are rewritten relative
 * to it (`ckpts/model-10` saved in `ckpts` → `model-10`).
 * @throws InvalidArgumentError `timestamps_mismatch`, `state_path_conflict`, `invalid_latest_filename`.
 */
export async function writeCheckpointState(dir: string, state: CheckpointState, options: WriteCheckpointStateOptions = {}): Promise<void> {
  const file = stateFile(dir, options.latestFilename);
  let model = state.modelCheckpointPath;
  let all = [...state.allModelCheckpointPaths];
  if (options.saveRelativePaths === true) {
    if (isAbsolute(model)) model = pyRelpath(model, dir);
    all = all.map((p) => (isAbsolute(p) ? pyRelpath(p, dir) : p));
  }
  if (all.length === 0 || all[all.length - 1] !== model) all.push(model);
  const ts = state.allModelCheckpointTimestamps;
  if (ts.length > 0 && ts.length !== all.length) {
    throw new InvalidArgumentError('timestamps_mismatch', `Checkpoint timestamps, if provided, must match checkpoint paths (got paths ${JSON.stringify(all)} and timestamps ${JSON.stringify(ts)})`, {
      hint: 'pass one timestamp per path, or none',
      details: { paths: all.length, timestamps: ts.length },
    });
  }
  if (!isAbsolute(dir)) {
    if (!isAbsolute(model)) model = pyRelpath(model, dir);
    all = all.map((p) => (isAbsolute(p) ? p : pyRelpath(p, dir)));
  }
  if (file === model) {
    throw new InvalidArgumentError('state_path_conflict', `Save path '${state.modelCheckpointPath}' conflicts with path used for checkpoint state.  Please use a different save path.`, {
      hint: 'choose a checkpoint prefix other than the state file name',
      details: { path: file },
    });
  }
  const text = formatCheckpointState({
    modelCheckpointPath: model,
    allModelCheckpointPaths: all,
    allModelCheckpointTimestamps: [...ts],
    lastPreservedTimestamp: state.lastPreservedTimestamp,
  });
  try {
    await atomicWriteFile(file, text);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'file_not_found') {
      throw new InvalidArgumentError('directory_missing', `Parent directory of ${file} doesn't exist, can't save.`, {
        hint: 'create the checkpoint directory first', details: { path: file }, cause: e,
      });
    }
    throw e;
  }
}
