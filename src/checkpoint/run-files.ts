/**
 * Which files belong to a checkpoint of a run directory, and deleting only those.
 *
 * TF's CheckpointManager._sweep deletes `<p>.index` and `<p>.data-?????-of-?????` for every path
 * `p` its state file lists, and the TF1 Saver also `<p>.meta` and (V1) the bare path `p` — so a
 * state file naming `../x/thesis.tex` or `/home/u/thesis` deletes files far away from the run.
 * Graft deletes only what it can prove it wrote:
 *
 * - the checkpoint's directory, symlinks and `..` resolved (realpath), is the run directory
 *   itself (not a parent, not a sibling, not a subdirectory);
 * - the files are the checkpoint formats' own names for `<p>`: `<p>.index`,
 *   `<p>.data-NNNNN-of-NNNNN` (TF bundle), `<p>.meta.json` (Graft's model description), `p`
 *   itself only when it is `<stem>.safetensors`, and the temporary siblings a crashed write of
 *   any of them leaves (`.<name>.tmp<16 hex>`, formats/atomic.ts);
 * - each is removed only when lstat says it is a regular file or a symlink (unlinking a symlink
 *   removes the link, never its target); directories, FIFOs and devices are left alone.
 *
 * A bare path without one of these suffixes (a V1 checkpoint, or anything a hostile state file
 * names) is never deleted. A path outside the directory is returned as refused, with the reason,
 * for the caller to report.
 */
import { lstat, readdir, realpath, unlink } from '../io/fs.js';
import { basename, dirname, join, resolve } from '../io/path.js';
import { recoverDirectory } from '../io/fs.js';

/** Whether a listed checkpoint path belongs to a run directory, and why not. */
export interface Ownership {
  owned: boolean;
  /** Why not (for a warning), when not owned. */
  reason?: string;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Temporary siblings left by a crash mid-write: io/atomic-file.ts names them
 * `.<file>.graft-tmp-<host>-<pid>-<hex>` (and deletes only those of dead processes itself); Graft
 * before it named them `.<file>.tmp<16 hex>`.
 */
export const TEMP_FILE = /^\..+\.tmp[0-9a-f]{16}$/;
const TEMP_SUFFIX = '(\\.tmp[0-9a-f]{16}|\\.graft-tmp-[0-9a-f]{8}-\\d+-[0-9a-f]+)';

async function real(path: string): Promise<string | undefined> {
  return realpath(path).catch(() => undefined);
}

/**
 * Whether `path` (a checkpoint prefix or a `.safetensors` file) lies directly in `dir`, with
 * symlinks and `..` resolved on both sides.
 */
export async function checkpointOwnership(dir: string, path: string): Promise<Ownership> {
  const base = basename(path);
  if (base === '' || base === '.' || base === '..') return { owned: false, reason: `${path} names no file` };
  const runDir = (await real(dir)) ?? resolve(dir);
  const parent = (await real(dirname(path))) ?? resolve(dirname(path));
  if (parent !== runDir) return { owned: false, reason: `${path} is outside the run directory ${dir} (its directory is ${parent})` };
  return { owned: true };
}

/**
 * The names in `dir` that are files of checkpoint `base` (see the file comment), temp siblings
 * included, from a listing of the directory.
 */
export function checkpointFileNames(base: string, names: readonly string[]): string[] {
  const b = escapeRe(base);
  const suffix = '(\\.index|\\.data-\\d{5}-of-\\d{5}|\\.meta\\.json)';
  const own = new RegExp(`^${b}${suffix}$`);
  const temp = new RegExp(`^\\.${b}${base.endsWith('.safetensors') ? `${suffix}?` : suffix}${TEMP_SUFFIX}$`);
  return names.filter((n) => own.test(n) || (n === base && base.endsWith('.safetensors')) || temp.test(n));
}

/** What deleteOwnedCheckpoint did. */
export interface DeleteReport {
  /** Files removed. */
  deleted: string[];
  /** Set when nothing was deleted because the path is not the run's. */
  refused?: string;
}

/**
 * Delete checkpoint `path`'s own files when it lies in `dir` (see the file comment); the
 * `.index` goes first so a half-deleted bundle no longer counts as a checkpoint. Errors of
 * single unlinks are ignored as TF's `_delete_file_if_exists` logs them.
 */
export async function deleteOwnedCheckpoint(dir: string, path: string): Promise<DeleteReport> {
  const own = await checkpointOwnership(dir, path);
  if (!own.owned) return { deleted: [], refused: own.reason };
  const parent = dirname(path);
  const names = await readdir(parent).catch(() => [] as string[]);
  const files = checkpointFileNames(basename(path), names).sort((a, b) => Number(b.endsWith('.index')) - Number(a.endsWith('.index')));
  const deleted: string[] = [];
  for (const n of files) {
    const p = join(parent, n);
    const st = await lstat(p).catch(() => undefined);
    if (!st || !(st.isFile() || st.isSymbolicLink())) continue;
    if (await unlink(p).then(() => true, () => false)) deleted.push(p);
  }
  return { deleted };
}

/**
 * Finish or undo what a crashed save left directly in `dir` (only the writer holding the run lock
 * may): interrupted publishes rolled forward and dead processes' temporaries deleted
 * (io/publish.ts `recoverDirectory`; a live writer's files are left alone), then temporaries in
 * the older naming.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const removed = (await recoverDirectory(dir).catch(() => [] as string[])).map((n) => join(dir, n));
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    if (!TEMP_FILE.test(n)) continue;
    const p = join(dir, n);
    const st = await lstat(p).catch(() => undefined);
    if (st && (st.isFile() || st.isSymbolicLink()) && (await unlink(p).then(() => true, () => false))) removed.push(p);
  }
  return removed;
}
