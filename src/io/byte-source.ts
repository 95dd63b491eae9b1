/**
 * `ByteSource`: the random-access byte source every format reader reads through (docs/io.md) —
 * `size`, then `read(offset, length)` of any range, so a lazy open costs the index and the
 * tensors asked for whether the bytes sit in a file, behind an HTTP server, in browser storage or
 * in a `Blob` / `ArrayBuffer` the page holds. This file has the interface and the two in-memory
 * sources (bytes, Blob); files are io/open-file.ts (Node), HTTP io/http-source.ts, storage
 * io/storage/. Every read is bounds-checked against `size` before anything is allocated.
 */
import { FormatError } from '../errors.js';

/** A readable, random-access sequence of bytes of known size. */
export interface ByteSource {
  /** The location it was opened by (path, URL, storage location), for messages. */
  readonly path: string;
  /** Size in bytes, fixed at open. */
  readonly size: number;
  /**
   * Bytes [offset, offset + length); both must lie within `size`.
   * @throws FormatError `truncated` when the range runs past the end or the source shrank.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Read `target.length` bytes at `offset` into `target` (same checks as `read`). */
  readInto(target: Uint8Array, offset: number): Promise<void>;
  /**
   * The whole source, refusing one over `maxBytes` before allocating.
   * @throws FormatError `file_too_large_to_read`.
   */
  readAll(maxBytes: number): Promise<Uint8Array>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Device and inode of a source that is a file (io/publish.ts `checkSnapshot`), else zeros. */
export function identityOf(src: ByteSource): { dev: number; ino: number } {
  const f = src as Partial<{ dev: number; ino: number }>;
  return { dev: f.dev ?? 0, ino: f.ino ?? 0 };
}

/**
 * Read exactly `target.length` bytes at `position` of `src` into `target`, or fail with
 * FormatError `truncated` naming `what` was being read.
 */
export async function readExactly(src: ByteSource, target: Uint8Array, position: number, path: string, what: string): Promise<void> {
  if (position + target.length > src.size) {
    throw new FormatError('truncated', `${path}: file ended after ${src.size} bytes while reading ${what}`, {
      hint: 'the file was truncated or changed while open; re-download or re-export it', details: { path, field: what },
    });
  }
  await src.readInto(target, position);
}

/** Throw `truncated` unless [offset, offset + length) lies within [0, size). */
export function checkRange(path: string, what: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new FormatError('truncated', `${path}: read of ${length} bytes at offset ${offset} runs past the end of the ${size}-byte ${what}`, {
      hint: 'the file is truncated or damaged; re-download or re-export it', details: { path, offset, length, size },
    });
  }
}

/** Throw `file_too_large_to_read` when `size` exceeds `maxBytes`. */
export function checkWhole(path: string, what: string, size: number, maxBytes: number): void {
  if (size > maxBytes) {
    throw new FormatError('file_too_large_to_read', `${path}: the ${what} has ${size} bytes, more than the ${maxBytes}-byte limit for it`, {
      hint: `this is not a ${what} Graft can read whole; check the path`, details: { path, size, limit: maxBytes },
    });
  }
}

/** Shared `read`/`readAll`/dispose over a `readInto`. */
export abstract class BaseSource implements ByteSource {
  abstract readonly path: string;
  abstract readonly size: number;
  protected abstract readonly what: string;
  abstract readInto(target: Uint8Array, offset: number): Promise<void>;

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.path, this.what, this.size, offset, length);
    const out = new Uint8Array(length);
    await this.readInto(out, offset);
    return out;
  }

  async readAll(maxBytes: number): Promise<Uint8Array> {
    checkWhole(this.path, this.what, this.size, maxBytes);
    return this.read(0, this.size);
  }

  async close(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A source over bytes in memory (not copied; the caller must not change them). */
export class BytesSource extends BaseSource {
  readonly size: number;
  constructor(readonly path: string, private readonly bytes: Uint8Array, protected readonly what = 'file') {
    super();
    this.size = bytes.length;
  }

  async readInto(target: Uint8Array, offset: number): Promise<void> {
    checkRange(this.path, this.what, this.size, offset, target.length);
    target.set(this.bytes.subarray(offset, offset + target.length));
  }
}

/** A source over a `Blob` / `File` (each read is one `slice().arrayBuffer()`). */
export class BlobSource extends BaseSource {
  readonly size: number;
  constructor(readonly path: string, private readonly blob: Blob, protected readonly what = 'file') {
    super();
    this.size = blob.size;
  }

  async readInto(target: Uint8Array, offset: number): Promise<void> {
    checkRange(this.path, this.what, this.size, offset, target.length);
    const got = new Uint8Array(await this.blob.slice(offset, offset + target.length).arrayBuffer());
    if (got.length !== target.length) {
      throw new FormatError('truncated', `${this.path}: the ${this.what} gave ${got.length} bytes at offset ${offset}, ${target.length} expected (it changed since it was opened)`, {
        hint: 'the stored file changed or is damaged; save or download it again', details: { path: this.path, offset, length: target.length },
      });
    }
    target.set(got);
  }
}

/** What a page may hand over as file contents. */
export type BinaryData = Blob | ArrayBuffer | ArrayBufferView;

/** A source over a Blob, ArrayBuffer or typed array, named `path` in messages. */
export function openBinarySource(data: BinaryData, path: string, what = 'file'): ByteSource {
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new BlobSource(path, data, what);
  if (data instanceof ArrayBuffer) return new BytesSource(path, new Uint8Array(data), what);
  if (ArrayBuffer.isView(data)) return new BytesSource(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), what);
  throw new FormatError('not_binary_data', `${path}: expected a Blob, File, ArrayBuffer or typed array`, { hint: 'pass the file contents', details: { path } });
}
