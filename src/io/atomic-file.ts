/**
 * Atomic, durable single-file commits (orbax `atomicity.py` AtomicRenameTemporaryPath, TF
 * `atomic_write_string_to_file`): write a temporary sibling, fsync it, rename it over the target,
 * fsync the directory. A crash at any point leaves either the old file or the new one, never a
 * mix. Multi-file checkpoints go through publish.ts, which uses `AtomicFile` for each file's
 * bytes and publishes them together.
 *
 * Temporary names are `.<name>.graft-tmp-<host>-<pid>-<random>`: the host tag and pid say whose
 * they are, so a later writer deletes only the temporaries of a process that is provably dead
 * (same host, pid gone) and never another live writer's in-flight file (`cleanOrphanTemps`).
 * Every failure removes the temporary; errno failures come out typed (fs-errors.ts).
 */
import { open, rename, unlink, readdir, type FileHandle } from 'node:fs/promises';
import { openSync, fsyncSync, closeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, basename, join } from 'node:path';
import { faultPoint } from './fault.js';
import { toFileSystemError } from './fs-errors.js';

/** Short tag of this host (in temporary names, so pids are only compared on the same host). */
export const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

const TEMP_RE = /^\.(.+)\.graft-tmp-([0-9a-f]{8})-(\d+)-[0-9a-f]+$/;

/** Name of a temporary sibling for `path` (same directory, so rename is atomic). */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.graft-tmp-${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Whether process `pid` is alive on this host (signal 0; EPERM means it exists). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Temporaries in `dir` left by dead processes of this host (their pid is checked now, so a
 * process dead at this call cannot create anything afterwards). Errors are ignored.
 */
export async function deadTemps(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.filter((e) => {
    const m = TEMP_RE.exec(e);
    return m !== null && m[2] === HOST_TAG && !pidAlive(Number(m[3]));
  });
}

/** Delete the given temporaries of `dir` (names from {@link deadTemps}); returns those deleted. */
export async function cleanOrphanTemps(dir: string, names: readonly string[]): Promise<string[]> {
  const gone: string[] = [];
  for (const e of names) if (TEMP_RE.test(e) && (await unlink(join(dir, e)).then(() => true, () => false))) gone.push(e);
  return gone;
}

/** fsync a directory so a rename inside it is durable. */
export function fsyncDir(dir: string): void {
  faultPoint(`fsync-dir ${basename(dir)}`);
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (e) {
    throw toFileSystemError(e, 'open directory', dir);
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    // Some filesystems (e.g. certain network mounts) refuse fsync on a directory; the rename stands.
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw toFileSystemError(e, 'fsync directory', dir);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file being written: bytes go to a temporary sibling; `commit()` fsyncs and renames it into
 * place, `abort()` deletes it; `seal()` fsyncs and closes it but leaves it under its temporary
 * name (publish.ts renames a set of sealed files together). Use for streaming writes.
 */
export class AtomicFile {
  private position = 0;
  private closed = false;
  private finished = false;

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
  ) {}

  /**
   * Start writing `path` (its temporary sibling is created now).
   * @throws FileSystemError (`permission_denied`, `read_only`, `not_a_directory`, …).
   */
  static async create(path: string): Promise<AtomicFile> {
    const tmp = tempSibling(path);
    faultPoint(`create ${basename(path)}`);
    let handle: FileHandle;
    try {
      handle = await open(tmp, 'wx');
    } catch (e) {
      throw toFileSystemError(e, 'create', tmp);
    }
    return new AtomicFile(path, tmp, handle);
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.position;
  }

  /**
   * Append bytes (written fully before the promise resolves).
   * @throws FileSystemError `disk_full`, `file_too_large`, `quota_exceeded`, … (the temporary stays
   *   until `abort()`).
   */
  async write(data: Uint8Array): Promise<void> {
    faultPoint(`write ${basename(this.path)}`);
    let off = 0;
    try {
      while (off < data.length) {
        const { bytesWritten } = await this.handle.write(data, off, data.length - off, this.position);
        off += bytesWritten;
        this.position += bytesWritten;
      }
    } catch (e) {
      throw toFileSystemError(e, 'write', this.tempPath);
    }
  }

  /** fsync (optionally) and close, keeping the temporary name. */
  async seal(options: { fsync?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (options.fsync ?? true) {
        faultPoint(`fsync ${basename(this.path)}`);
        await this.handle.sync();
      }
    } catch (e) {
      await this.handle.close().catch(() => undefined);
      throw toFileSystemError(e, 'fsync', this.tempPath);
    }
    try {
      await this.handle.close();
    } catch (e) {
      throw toFileSystemError(e, 'close', this.tempPath);
    }
  }

  /** fsync, close, rename over the target, fsync the directory. */
  async commit(options: { fsync?: boolean } = {}): Promise<void> {
    if (this.finished) return;
    const durable = options.fsync ?? true;
    await this.seal({ fsync: durable });
    faultPoint(`rename ${basename(this.path)}`);
    try {
      await rename(this.tempPath, this.path);
    } catch (e) {
      throw toFileSystemError(e, 'rename', this.path);
    }
    this.finished = true;
    if (durable) fsyncDir(dirname(this.path));
  }

  /** Close and delete the temporary file; the target is untouched. Never throws. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await unlink(this.tempPath).catch(() => undefined);
  }
}

/**
 * Write a whole file atomically and durably (temporary removed on failure).
 * @throws FileSystemError for errno failures.
 */
export async function atomicWriteFile(path: string, data: Uint8Array | string, options: { fsync?: boolean } = {}): Promise<void> {
  const f = await AtomicFile.create(path);
  try {
    await f.write(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    await f.commit(options);
  } catch (e) {
    await f.abort();
    throw e;
  }
}
