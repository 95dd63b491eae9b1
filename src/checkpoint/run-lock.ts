/**
 * One writer per run directory: `<dir>/.graft.lock`, created with O_CREAT|O_EXCL and holding
 * `{"pid": 1234, "host": "node-7", "started": "2026-12-02T06:00:00.000Z", "dir": "/abs/runs/a"}`.
 *
 * TF's CheckpointManager only documents "Only one should be active in a particular directory
 * at a time"; two of them interleave index and data files and delete each other's checkpoints
 * and temp files. Graft makes the rule a lock:
 *
 * - acquire: create the file exclusively; it exists → read it:
 *   - same host, pid alive (`kill(pid, 0)` succeeds or says EPERM) → `run_locked`;
 *   - same host and pid, but not a lock this process holds → stale (a restarted container
 *     reuses pids), taken over;
 *   - same host, pid dead → stale (the writer was killed), taken over with a note;
 *   - another host → cannot be checked from here: `run_locked` unless `force`;
 *   - `dir` is not this directory (realpath): the lock was copied with the run (`cp -r` while
 *     training) → stale, taken over;
 *   - unreadable: stale when older than {@link UNREADABLE_GRACE_MS} (a writer fills the file right
 *     after creating it), else `run_locked`.
 * - take over: rename the stale file to a unique name (only one contender wins the rename),
 *   check that the renamed file is the one judged stale (else put it back: a contender's fresh
 *   lock), delete it, create again — bounded retries.
 * - release: on `release()`, and synchronously at process exit for every lock still held, only
 *   while the file still holds this lock's content.
 */
import { open, readFile, rename, unlink, stat, link, realpath } from '../io/fs.js';
import { readFileSync, unlinkSync } from '../io/fs.js';
import { hostname } from '../io/fs.js';
import { join, resolve } from '../io/path.js';
import { GraftError } from '../errors.js';
import { isStorageLocation } from '../io/storage/index.js';

/** Name of the lock file inside a run directory. */
export const RUN_LOCK_FILENAME = '.graft.lock';
/** Age after which an unreadable (half-written) lock file counts as stale. */
export const UNREADABLE_GRACE_MS = 10_000;

/** Contents of a lock file. */
export interface RunLockInfo {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  started: string;
  /** Real path of the locked directory (a copied lock names the original). */
  dir?: string;
}

/** A second writer tried to use a run directory (code `run_locked`; details name the holder). */
export class RunLockedError extends GraftError {}

/** Options for {@link acquireRunLock}. */
export interface AcquireRunLockOptions {
  /** Take the lock even when another host holds it (or it cannot be read); default false. */
  force?: boolean;
}

const held = new Map<string, RunLock>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lock of [...held.values()]) lock.releaseSync();
  });
}

/** A lock held by this process on a run directory. */
export class RunLock {
  private released = false;
  /** @internal use acquireRunLock */
  constructor(
    /** The lock file. */
    readonly path: string,
    /** What the file holds. */
    readonly info: RunLockInfo,
    /** The exact bytes written (release checks them). */
    private readonly text: string,
    /** What acquiring had to do (a stale lock taken over), for the caller's report. */
    readonly notes: string[],
  ) {}

  /** Delete the lock file if it is still this lock's. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    held.delete(this.path);
    const now = await readFile(this.path, 'utf8').catch(() => undefined);
    if (now === this.text) await unlink(this.path).catch(() => undefined);
  }

  /** release() for process exit (synchronous). */
  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.path);
    try {
      if (readFileSync(this.path, 'utf8') === this.text) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}

function parseInfo(text: string): RunLockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<RunLockInfo>;
    if (Number.isSafeInteger(v.pid) && (v.pid as number) > 0 && typeof v.host === 'string' && typeof v.started === 'string') return v as RunLockInfo;
  } catch {
    // not JSON
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function createExclusive(path: string, text: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return true;
}

function lockedError(dir: string, path: string, info: RunLockInfo | undefined, why: string, hint: string): RunLockedError {
  const who = info ? `pid ${info.pid} on ${info.host}, since ${info.started}` : 'an unreadable lock file';
  return new RunLockedError('run_locked', `${dir} is in use by another writer (${who}): ${why}`, {
    hint,
    details: { dir, lockFile: path, ...(info ?? {}) },
  });
}

/** Storage run directories locked in this page (or process), when Web Locks are missing. */
const storageHeld = new Set<string>();

/**
 * The lock of a run directory in browser storage (`opfs://`, `indexeddb://`, `mem://`): a Web
 * Lock named after the directory, held until release (the browser drops it when the tab closes,
 * so a closed tab never leaves a stale lock), requested with `ifAvailable` so a second tab gets
 * `run_locked` at once. Without Web Locks (Node's `mem://`) the lock is held within the process.
 */
class StorageRunLock extends RunLock {
  private done = false;
  constructor(path: string, info: RunLockInfo, private readonly free: () => void) {
    super(path, info, '', []);
  }
  override async release(): Promise<void> {
    this.releaseSync();
  }
  override releaseSync(): void {
    if (this.done) return;
    this.done = true;
    this.free();
  }
}

type WebLocks = { request(name: string, o: { ifAvailable: boolean }, cb: (lock: unknown) => Promise<void>): Promise<void> };

async function acquireStorageRunLock(dir: string): Promise<RunLock> {
  const path = join(dir, RUN_LOCK_FILENAME);
  const key = resolve(dir);
  const info: RunLockInfo = { pid: 0, host: 'browser', started: new Date().toISOString(), dir: key };
  const busy = () => lockedError(dir, path, info, 'another CheckpointManager (in this page or another tab) holds it', `close() the other CheckpointManager on ${dir} first, or use another directory`);
  const locks = (globalThis as { navigator?: { locks?: WebLocks } }).navigator?.locks;
  if (locks === undefined) {
    if (storageHeld.has(key)) throw busy();
    storageHeld.add(key);
    return new StorageRunLock(path, info, () => storageHeld.delete(key));
  }
  return new Promise<RunLock>((resolveLock, reject) => {
    locks.request(`graft-run:${key}`, { ifAvailable: true }, (lock) => {
      if (lock === null) { reject(busy()); return Promise.resolve(); }
      return new Promise<void>((releaseLock) => resolveLock(new StorageRunLock(path, info, releaseLock)));
    }).catch(reject);
  });
}

/**
 * Take the run directory's lock, or fail.
 * @throws RunLockedError `run_locked` when another live writer holds it (details: lockFile,
 *   pid, host, started).
 * @example
 * const lock = await acquireRunLock('runs/a');
 * try { ... } finally { await lock.release(); }
 */
export async function acquireRunLock(dir: string, options: AcquireRunLockOptions = {}): Promise<RunLock> {
  if (isStorageLocation(dir)) return acquireStorageRunLock(dir);
  const path = join(dir, RUN_LOCK_FILENAME);
  const key = resolve(path);
  const host = hostname();
  const notes: string[] = [];
  const realDir = await realpath(dir).catch(() => resolve(dir));
  for (let attempt = 0; attempt < 5; attempt++) {
    const info: RunLockInfo = { pid: process.pid, host, started: new Date().toISOString(), dir: realDir };
    const text = `${JSON.stringify(info)}\n`;
    if (await createExclusive(path, text)) {
      const lock = new RunLock(path, info, text, notes);
      held.set(key, lock);
      installExitHook();
      return lock;
    }
    const found = await readFile(path, 'utf8').catch(() => undefined);
    if (found === undefined) continue; // released meanwhile: try again
    const other = parseInfo(found);
    let stale: string;
    if (held.has(key)) {
      throw lockedError(dir, path, other, 'this process already holds it', `close() the other CheckpointManager on ${dir} first, or use another directory`);
    } else if (other === undefined) {
      const age = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age < UNREADABLE_GRACE_MS && !options.force) {
        throw lockedError(dir, path, undefined, 'the lock file is being written or is not Graft\'s', `wait a moment and retry; if no Graft process uses ${dir}, delete ${path}`);
      }
      stale = `took over an unreadable lock file ${path}`;
    } else if (other.dir !== undefined && other.dir !== realDir) {
      stale = `took over a lock copied from ${other.dir} (pid ${other.pid} on ${other.host} writes there, not here)`;
    } else if (other.host !== host) {
      if (!options.force) {
        throw lockedError(dir, path, other, `the lock was taken on another host (${other.host}), where Graft cannot check the process`,
          `if pid ${other.pid} on ${other.host} no longer writes to ${dir}, delete ${path} (or pass forceLock: true to CheckpointManager)`);
      }
      stale = `forced the lock of pid ${other.pid} on ${other.host} (since ${other.started})`;
    } else if (other.pid !== process.pid && pidAlive(other.pid)) {
      throw lockedError(dir, path, other, `process ${other.pid} is alive`, `wait for pid ${other.pid} to finish or stop it (kill ${other.pid}), or write into another directory`);
    } else {
      stale = `took over the stale lock of pid ${other.pid} (since ${other.started}; the process is gone)`;
    }
    // Take over: only one contender wins the rename; put back a lock that is not the stale one.
    const aside = `${path}.stale-${Array.from(globalThis.crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
    try {
      await rename(path, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const moved = await readFile(aside, 'utf8').catch(() => undefined);
    if (moved !== found) {
      await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      continue;
    }
    await unlink(aside).catch(() => undefined);
    notes.push(stale);
  }
  throw lockedError(dir, path, undefined, 'the lock changed hands repeatedly while taking it', 'another process is starting in the same directory; retry');
}
