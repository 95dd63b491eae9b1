/**
 * `openRegularFile`: the one way Graft opens a file for reading — the random-access byte source
 * of docs/design/ARCHITECTURE.md (`size`, `read(offset, length)`).
 *
 * Hostile paths are normal: a FIFO named `checkpoint` or `model.json` would block a plain
 * open() forever, `<prefix>.index` → `/dev/zero` would be read without end. So:
 *   1. lstat-free `stat(path)` (symbolic links are followed, as users link checkpoints): anything
 *      but a regular file is refused before it is opened;
 *   2. open with O_RDONLY | O_NONBLOCK (a FIFO swapped in after step 1 still cannot block the
 *      open; O_NONBLOCK does nothing to a regular file's reads);
 *   3. fstat the descriptor: it must be a regular file and the same inode as step 1 (closes the
 *      race between the checks); its size is THE size, and bounds every read and allocation.
 * Reads past `size` are refused (a file that grew is read as it was when opened; one that shrank
 * gives `truncated`).
 */
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { FileSystemError, FormatError } from '../errors.js';
import { toFileSystemError } from './fs-errors.js';
import type { ByteSource } from './byte-source.js';

/**
 * A regular file open for positioned reads: a ByteSource (io/byte-source.ts) whose `size` is the
 * fstat size at open; a read past it, or into a file that shrank since, is FormatError `truncated`.
 */
export interface RegularFile extends ByteSource {
  /** Device and inode (for snapshot checks, publish.ts `checkSnapshot`). */
  readonly dev: number;
  readonly ino: number;
  /** The underlying handle (for libraries that take one). */
  readonly handle: FileHandle;
}

/** Options of `openRegularFile`. */
export interface OpenRegularFileOptions {
  /** What the file is, for messages ("checkpoint index", "state file"); default "file". */
  what?: string;
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function refuse(path: string, what: string, s: Stats): never {
  if (s.isDirectory()) {
    throw new FileSystemError('is_a_directory', `${path}: the ${what} is a directory`, {
      hint: 'pass the file itself, not a directory', details: { path, kind: 'directory' },
    });
  }
  throw new FormatError('not_a_regular_file', `${path}: the ${what} is ${kindOf(s)}, not a regular file; Graft reads only regular files`, {
    hint: 'replace it with the real file (a FIFO or device here would block or never end)', details: { path, kind: kindOf(s) },
  });
}

/**
 * Open `path` for reading as described in the module comment.
 * @throws FormatError `not_a_regular_file` (FIFO, device, socket); FileSystemError
 *   `is_a_directory`, `file_not_found`, `permission_denied`, … (fs-errors.ts).
 * @example
 *   await using f = await openRegularFile('runs/a/model.ckpt-10.index', { what: 'checkpoint index' });
 *   const footer = await f.read(f.size - 48, 48);
 */
export async function openRegularFile(path: string, options: OpenRegularFileOptions = {}): Promise<RegularFile> {
  const what = options.what ?? 'file';
  let before: Stats;
  try {
    before = await stat(path);
  } catch (e) {
    throw toFileSystemError(e, `open ${what}`, path);
  }
  if (!before.isFile()) refuse(path, what, before);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw toFileSystemError(e, `open ${what}`, path);
  }
  let s: Stats;
  try {
    s = await handle.stat();
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw toFileSystemError(e, `fstat ${what}`, path);
  }
  if (!s.isFile()) {
    await handle.close().catch(() => undefined);
    refuse(path, what, s);
  }
  return new FileSource(path, what, handle, s);
}

class FileSource implements RegularFile {
  readonly size: number;
  readonly dev: number;
  readonly ino: number;
  private closed = false;

  constructor(readonly path: string, private readonly what: string, readonly handle: FileHandle, s: Stats) {
    this.size = s.size;
    this.dev = s.dev;
    this.ino = s.ino;
  }

  private check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new FormatError('truncated', `${this.path}: read of ${length} bytes at offset ${offset} runs past the end of the ${this.size}-byte ${this.what}`, {
        hint: 'the file is truncated or damaged; re-download or re-export it', details: { path: this.path, offset, length, size: this.size },
      });
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset, length);
    const out = new Uint8Array(length);
    await this.readInto(out, offset);
    return out;
  }

  async readInto(target: Uint8Array, offset: number): Promise<void> {
    this.check(offset, target.length);
    let got = 0;
    while (got < target.length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(target, got, target.length - got, offset + got));
      } catch (e) {
        throw toFileSystemError(e, `read ${this.what}`, this.path);
      }
      if (bytesRead === 0) {
        throw new FormatError('truncated', `${this.path}: the ${this.what} ended after ${offset + got} bytes, ${offset + target.length} expected (it shrank since it was opened)`, {
          hint: 'another process is rewriting the file, or it is damaged; retry or re-export it', details: { path: this.path, offset, length: target.length },
        });
      }
      got += bytesRead;
    }
  }

  async readAll(maxBytes: number): Promise<Uint8Array> {
    if (this.size > maxBytes) {
      throw new FormatError('file_too_large_to_read', `${this.path}: the ${this.what} has ${this.size} bytes, more than the ${maxBytes}-byte limit for it`, {
        hint: `this is not a ${this.what} Graft can read whole; check the path`, details: { path: this.path, size: this.size, limit: maxBytes },
      });
    }
    return this.read(0, this.size);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Read a whole small regular file (state file, meta.json, model.json, event file) with the checks
 * of `openRegularFile` and a size cap.
 * @throws as openRegularFile; FormatError `file_too_large_to_read`.
 */
export async function readRegularFile(path: string, maxBytes: number, options: OpenRegularFileOptions = {}): Promise<Uint8Array> {
  const f = await openRegularFile(path, options);
  try {
    return await f.readAll(maxBytes);
  } finally {
    await f.close();
  }
}
