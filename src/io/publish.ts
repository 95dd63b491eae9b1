/**
 * Atomic publish of a multi-file checkpoint (a TF bundle's `.index` + `.data-*`, a tfjs folder's
 * `model.json` + shards, any sharded write): after a kill at ANY point the destination holds the
 * old checkpoint or the new one — never a mix, never nothing — once the next writer or reader
 * has opened it. The design follows orbax (a public repository google/orbax,
 * checkpoint/orbax/checkpoint/_src/path/atomicity.py): `AtomicRenameTemporaryPath` writes
 * under a temporary name and renames, `CommitFileTemporaryPath` marks completion with a file
 * written last. Graft cannot rename a directory (a TF bundle shares its directory with other
 * checkpoints and its file names are fixed by TF), so it combines both: temporaries, then a
 * commit marker (an intent journal), then the renames.
 *
 * Names, for destination `key` in directory `dir`:
 *   temporaries  `dir/.<final>.graft-tmp-<host>-<pid>-<rand>` (atomic-file.ts)
 *   marker       `dir/.<key>.graft-commit` — JSON {format "graft-commit", version 1, host, pid,
 *                nonce, renames [[temporary, final]…], remove [final…]}
 *
 * Writer, step by step:
 *   1. recover every interrupted publish in `dir` (below), then delete temporaries of dead
 *      processes that no marker names (cleanOrphanTemps);
 *   2. write every new file under its temporary name; fsync each (AtomicFile.seal);
 *   3. COMMIT POINT: write the marker's JSON to its own temporary, fsync it, `link()` it to the
 *      marker name (fails with EEXIST when another writer is publishing: wait for it, or recover
 *      it when its process is dead), fsync `dir`;
 *   4. rename each temporary over its final name, in order (data before index / model.json);
 *   5. unlink the old files that the new checkpoint no longer has (`remove`, e.g. stale shards);
 *   6. fsync `dir`; unlink the marker.
 *   A failure before step 3 deletes the temporaries (old checkpoint untouched); after step 3 the
 *   writer rolls forward.
 *
 * Recovery (`recoverPublish`, run by the next writer and by readers): a marker whose process is
 * dead (same host, pid gone; another host: older than 10 minutes) is rolled FORWARD — each
 * temporary still present is renamed over its final name (an absent one was renamed already),
 * the `remove` files are unlinked, the marker deleted. Roll-forward is idempotent, so a crash
 * during recovery is recovered the same way. No marker = no publish in flight: temporaries are
 * debris of a kill before step 3 and the old files are intact (roll BACK = delete them).
 *
 * Readers: `awaitPublished` before opening (waits while a live writer is in steps 4–6, rolls a
 * dead one forward, else a typed `commit_in_progress` / `interrupted_commit`), and
 * `checkSnapshot` after opening every file: if a marker appeared or a path no longer names the
 * inode the reader holds, the reader's set may be mixed and it opens again. Between publishes
 * the directory is consistent, so a set of open files that passes the check is one snapshot.
 *
 * A single-file destination (safetensors) needs no marker: one rename is atomic.
 */
import { constants } from 'node:fs';
import { link, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FileSystemError, FormatError } from '../errors.js';
import { AtomicFile, HOST_TAG, cleanOrphanTemps, deadTemps, fsyncDir, pidAlive } from './atomic-file.js';
import { faultPoint } from './fault.js';
import { toFileSystemError } from './fs-errors.js';
import { SnapshotChangedError } from './snapshot.js';

/** Suffix of a commit marker: `.<key>.graft-commit`. */
export const COMMIT_MARKER_SUFFIX = '.graft-commit';
/** Largest marker read (a marker names a few files; anything bigger is not ours). */
const MAX_MARKER_BYTES = 1 << 20;
/** A marker from another host is presumed abandoned after this long (its pid cannot be checked). */
const FOREIGN_STALE_MS = 10 * 60 * 1000;

interface Marker {
  format: 'graft-commit';
  version: 1;
  host: string;
  pid: number;
  nonce: string;
  renames: [string, string][];
  remove: string[];
}

/** Options of a publish. */
export interface PublishOptions {
  /** fsync files and the directory (default true). */
  fsync?: boolean;
  /** How long to wait for another live writer's publish of the same key (default 30 s). */
  waitMs?: number;
}

/** Path of the commit marker of destination `key` in `dir`. */
export function markerPath(dir: string, key: string): string {
  return join(dir, `.${key}${COMMIT_MARKER_SUFFIX}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const plainName = (s: unknown): s is string => typeof s === 'string' && s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0');

async function readMarker(path: string): Promise<{ marker: Marker; mtimeMs: number } | undefined> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK); // a FIFO here must not block
  } catch (e) {
    // No marker we could see: the open that follows reports the path's real problem.
    if (['ENOENT', 'ENOTDIR', 'EACCES', 'ENAMETOOLONG', 'ELOOP'].includes((e as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw toFileSystemError(e, 'open commit marker', path);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > MAX_MARKER_BYTES) throw badMarker(path, `not a regular file of at most ${MAX_MARKER_BYTES} bytes`);
    const buf = new Uint8Array(st.size);
    let o = 0;
    while (o < buf.length) {
      const { bytesRead } = await fh.read(buf, o, buf.length - o, o);
      if (bytesRead === 0) break;
      o += bytesRead;
    }
    let m: Partial<Marker>;
    try {
      m = JSON.parse(new TextDecoder().decode(buf.subarray(0, o))) as Partial<Marker>;
    } catch {
      throw badMarker(path, 'not JSON');
    }
    const ok = m.format === 'graft-commit' && m.version === 1 && typeof m.host === 'string' && Number.isSafeInteger(m.pid) && typeof m.nonce === 'string'
      && Array.isArray(m.renames) && m.renames.every((r) => Array.isArray(r) && r.length === 2 && plainName(r[0]) && plainName(r[1]))
      && Array.isArray(m.remove) && m.remove.every(plainName);
    if (!ok) throw badMarker(path, 'fields missing or not plain file names');
    return { marker: m as Marker, mtimeMs: st.mtimeMs };
  } finally {
    await fh.close();
  }
}

function badMarker(path: string, what: string): FormatError {
  return new FormatError('bad_commit_marker', `${path}: commit marker ${what}`, {
    hint: 'the file was not written by Graft or is damaged; delete it and check the checkpoint beside it', details: { path },
  });
}

function ownerAlive(m: Marker, mtimeMs: number): boolean {
  if (m.host !== HOST_TAG) return Date.now() - mtimeMs < FOREIGN_STALE_MS;
  return pidAlive(m.pid);
}

/** Roll a marker's publish forward (idempotent); unlinks the marker only if it is still this one. */
async function rollForward(dir: string, path: string, m: Marker, fsync: boolean): Promise<void> {
  for (const [tmp, final] of m.renames) {
    faultPoint(`recover-rename ${final}`);
    try {
      await rename(join(dir, tmp), join(dir, final));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw toFileSystemError(e, 'rename', join(dir, final));
    }
  }
  for (const name of m.remove) {
    faultPoint(`remove ${name}`);
    await unlink(join(dir, name)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw toFileSystemError(e, 'unlink', join(dir, name));
    });
  }
  if (fsync) fsyncDir(dir);
  const now = await readMarker(path).catch(() => undefined);
  if (now?.marker.nonce === m.nonce) {
    faultPoint(`unlink-marker ${path}`);
    await unlink(path).catch(() => undefined);
  }
}

/**
 * Finish an interrupted publish of `key` in `dir` whose writer is dead (roll forward).
 * @returns `none` (no publish in flight), `recovered`, or `busy` (a live writer is publishing).
 * @throws FileSystemError when the directory cannot be written; FormatError `bad_commit_marker`.
 */
export async function recoverPublish(dir: string, key: string, options: { fsync?: boolean } = {}): Promise<'none' | 'recovered' | 'busy'> {
  const path = markerPath(dir, key);
  const r = await readMarker(path);
  if (r === undefined) return 'none';
  if (ownerAlive(r.marker, r.mtimeMs)) return 'busy';
  await rollForward(dir, path, r.marker, options.fsync ?? true);
  return 'recovered';
}

/** Keys of every commit marker in `dir`. */
async function markerKeys(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith('.') && n.endsWith(COMMIT_MARKER_SUFFIX)).map((n) => n.slice(1, -COMMIT_MARKER_SUFFIX.length));
}

/** Temporaries named by any marker in `dir` (these must survive until rolled forward). */
async function referencedTemps(dir: string): Promise<Set<string>> {
  const keep = new Set<string>();
  for (const k of await markerKeys(dir)) {
    const r = await readMarker(markerPath(dir, k)).catch(() => undefined);
    for (const [tmp] of r?.marker.renames ?? []) keep.add(tmp);
  }
  return keep;
}

/**
 * Wait until no publish of `key` is in flight in `dir` (a reader calls this before opening).
 * A dead writer's publish is rolled forward.
 * @throws FileSystemError `commit_in_progress` after `waitMs` (default 5 s) of a live writer;
 *   FormatError `interrupted_commit` when a dead writer's publish cannot be finished here.
 */
export async function awaitPublished(dir: string, key: string, options: { waitMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? 5000);
  for (;;) {
    let state: 'none' | 'recovered' | 'busy';
    try {
      state = await recoverPublish(dir, key);
    } catch (e) {
      if (e instanceof FileSystemError) {
        throw new FormatError('interrupted_commit', `${join(dir, key)}: a write of this checkpoint was interrupted and cannot be finished here (${e.message})`, {
          hint: `open it once from a process that may write ${dir} (Graft then completes the write), or delete ${markerPath(dir, key)} and the checkpoint`, details: { path: join(dir, key), marker: markerPath(dir, key) }, cause: e,
        });
      }
      throw e;
    }
    if (state !== 'busy') return;
    if (Date.now() >= deadline) {
      throw new FileSystemError('commit_in_progress', `${join(dir, key)} is being written by another process right now`, {
        hint: 'retry in a moment (the write is finishing)', details: { path: join(dir, key), marker: markerPath(dir, key) },
      });
    }
    await sleep(10);
  }
}

/**
 * Roll forward every interrupted publish in `dir` whose writer is dead, then delete the
 * temporaries of dead processes that no marker names (steps 1 of the protocol). Live writers'
 * markers and temporaries are left alone. Returns the temporaries deleted.
 */
export async function recoverDirectory(dir: string, options: { fsync?: boolean } = {}): Promise<string[]> {
  for (const k of await markerKeys(dir)) {
    // Another destination's damaged or unfinishable marker must not block this write: it stays
    // for that destination's own reader or writer to report.
    await recoverPublish(dir, k, options).catch(() => undefined);
  }
  // Dead processes first, then the markers: a process dead now cannot write a marker later.
  const dead = await deadTemps(dir);
  if (dead.length === 0) return [];
  const keep = await referencedTemps(dir);
  return cleanOrphanTemps(dir, dead.filter((n) => !keep.has(n)));
}

/** Thrown by `checkSnapshot` when the files a reader holds may come from two publishes (io/snapshot.ts). */
export { SnapshotChangedError };

/**
 * After opening every file of a checkpoint, check that they form one snapshot: no publish is in
 * flight and each path still names the inode that was opened.
 * @throws SnapshotChangedError `snapshot_changed` when not (the caller opens again).
 */
export async function checkSnapshot(dir: string, key: string, files: { path: string; dev: number; ino: number }[]): Promise<void> {
  const changed = (why: string): SnapshotChangedError => new SnapshotChangedError('snapshot_changed', `${join(dir, key)} changed while it was being opened (${why})`, {
    hint: 'retry; another process rewrote the checkpoint', details: { path: join(dir, key) },
  });
  if ((await stat(markerPath(dir, key)).catch(() => undefined)) !== undefined) throw changed('a write is in flight');
  for (const f of files) {
    const s = await stat(f.path).catch(() => undefined);
    if (s === undefined || s.dev !== f.dev || s.ino !== f.ino) throw changed(`${f.path} was replaced`);
  }
}

/**
 * One multi-file write, published atomically (see the module comment for the protocol).
 * @example
 *   const pub = await Publish.begin('runs/a', 'model.ckpt-10');
 *   try {
 *     const data = await pub.create('model.ckpt-10.data-00000-of-00001'); await data.write(bytes);
 *     const index = await pub.create('model.ckpt-10.index'); await index.write(indexBytes);
 *     await pub.commit();
 *   } catch (e) { await pub.abort(); throw e; }
 */
export class Publish {
  private readonly files: AtomicFile[] = [];
  private readonly removals = new Set<string>();
  private state: 'open' | 'committing' | 'done' = 'open';

  private constructor(readonly dir: string, readonly key: string, private readonly fsync: boolean, private readonly waitMs: number) {}

  /**
   * Start a publish of destination `key` in `dir` (steps 1 of the protocol).
   * @throws FileSystemError for errno failures; FormatError `bad_commit_marker`.
   */
  static async begin(dir: string, key: string, options: PublishOptions = {}): Promise<Publish> {
    const fsync = options.fsync ?? true;
    await recoverDirectory(dir, { fsync });
    await recoverPublish(dir, key, { fsync }); // this destination's own problems are reported
    return new Publish(dir, key, fsync, options.waitMs ?? 30_000);
  }

  /** Create the temporary of final file `name` (a plain name inside the directory). */
  async create(name: string): Promise<AtomicFile> {
    if (!plainName(name)) throw new FileSystemError('invalid_file_name', `${JSON.stringify(name)} is not a plain file name`, { hint: 'pass a name without "/"', details: { name } });
    const f = await AtomicFile.create(join(this.dir, name));
    this.files.push(f);
    return f;
  }

  /** Old final files to delete when the publish commits (e.g. shards the new checkpoint lacks). */
  remove(names: Iterable<string>): void {
    const mine = new Set(this.files.map((f) => f.path));
    for (const n of names) if (plainName(n) && !mine.has(join(this.dir, n))) this.removals.add(n);
  }

  /** Steps 2–6: seal every file, commit, rename, clean up. */
  async commit(): Promise<void> {
    if (this.state !== 'open') throw new FileSystemError('publish_finished', `${join(this.dir, this.key)}: this publish was already committed or aborted`, { hint: 'start a new Publish' });
    for (const f of this.files) await f.seal({ fsync: this.fsync });
    if (this.files.length === 1 && this.removals.size === 0) {
      await this.files[0]!.commit({ fsync: this.fsync });
      this.state = 'done';
      return;
    }
    const marker: Marker = {
      format: 'graft-commit', version: 1, host: HOST_TAG, pid: process.pid, nonce: randomBytes(8).toString('hex'),
      renames: this.files.map((f) => [baseOf(f.tempPath), baseOf(f.path)]),
      remove: [...this.removals],
    };
    const path = markerPath(this.dir, this.key);
    await this.acquire(path, marker);
    this.state = 'committing';
    // Past the commit point: finish (roll forward) whatever happens; recovery finishes after a crash.
    for (const f of this.files) {
      faultPoint(`rename ${baseOf(f.path)}`);
      try {
        await rename(f.tempPath, f.path);
      } catch (e) {
        throw toFileSystemError(e, 'rename', f.path);
      }
    }
    await rollForward(this.dir, path, marker, this.fsync);
    this.state = 'done';
  }

  /** Write the marker's temporary, then link it to the marker name (waiting for a live writer). */
  private async acquire(path: string, marker: Marker): Promise<void> {
    const tmp = await AtomicFile.create(path);
    try {
      await tmp.write(new TextEncoder().encode(JSON.stringify(marker)));
      await tmp.seal({ fsync: this.fsync });
      const deadline = Date.now() + this.waitMs;
      for (;;) {
        faultPoint(`link-marker ${this.key}`);
        try {
          await link(tmp.tempPath, path);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw toFileSystemError(e, 'link', path);
        }
        if ((await recoverPublish(this.dir, this.key, { fsync: this.fsync })) !== 'busy') continue;
        if (Date.now() >= deadline) {
          throw new FileSystemError('destination_busy', `${join(this.dir, this.key)} is being published by another process`, {
            hint: 'wait for the other writer or write to another destination', details: { path: join(this.dir, this.key), marker: path },
          });
        }
        await sleep(10);
      }
      if (this.fsync) fsyncDir(this.dir);
    } finally {
      await tmp.abort(); // the marker's own temporary name (the marker itself is a second link)
    }
  }

  /** Delete the temporaries (before the commit point; the old checkpoint is untouched). Never throws. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'done';
    for (const f of this.files) await f.abort();
  }
}

function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

