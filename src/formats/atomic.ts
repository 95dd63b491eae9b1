/**
 * Atomic, durable file commits (orbax `atomicity.py`, TF `atomic_write_string_to_file`):
 * write a temporary sibling, fsync it, rename it over the target, fsync the directory. A crash at
 * any point leaves either the old file or the new one, never a mix.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Name of a temporary sibling for `path` (same directory, so rename is atomic). */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp${randomBytes(8).toString('hex')}`);
}

/** fsync a directory so a rename inside it is durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file being written: bytes go to a temporary sibling; `commit()` fsyncs and renames it into
 * place, `abort()` deletes it. Use for streaming writes of large files.
 */
export class AtomicFile {
  private constructor(
    readonly path: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
    private position = 0,
    private done = false,
  ) {}

  /** Start writing `path` (its temporary sibling is created now). */
  static async create(path: string): Promise<AtomicFile> {
    const tmp = tempSibling(path);
    const handle = await open(tmp, 'wx');
    return new AtomicFile(path, tmp, handle);
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.position;
  }

  /** Append bytes (written fully before the promise resolves). */
  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await this.handle.write(data, off, data.length - off, this.position);
      off += bytesWritten;
      this.position += bytesWritten;
    }
  }

  /** fsync, close, rename over the target, fsync the directory. */
  async commit(options: { fsync?: boolean } = {}): Promise<void> {
    const durable = options.fsync ?? true;
    if (this.done) return;
    this.done = true;
    try {
      if (durable) await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    await rename(this.tempPath, this.path);
    if (durable) fsyncDir(dirname(this.path));
  }

  /** Close and delete the temporary file; the target is untouched. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }
}

/** Write a whole file atomically and durably. */
export async function atomicWriteFile(path: string, data: Uint8Array | string): Promise<void> {
  const f = await AtomicFile.create(path);
  try {
    await f.write(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    await f.commit();
  } catch (e) {
    await f.abort();
    throw e;
  }
}
