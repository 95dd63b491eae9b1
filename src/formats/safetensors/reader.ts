/**
 * Lazy safetensors reader: `openSafetensors` reads and validates the header only (header.ts);
 * `read(name)` does one positioned read of exactly that tensor's bytes.
 */
import { CheckpointNotFoundError, FormatError, GraftError } from '../../errors.js';
import { openSource } from '../../io/source.js';
import { readExactly, type ByteSource } from '../../io/byte-source.js';
import type { CheckpointReader, TensorInfo, TensorValue, UnsupportedTensorInfo } from '../types.js';
import { N_LEN, parseHeader, readHeaderSize, type SafetensorsEntry, type UnsupportedEntry } from './header.js';


function stripZero(name: string): string {
  return name.endsWith(':0') ? name.slice(0, -2) : name;
}

class SafetensorsReader implements CheckpointReader {
  readonly format = 'safetensors' as const;
  private readonly byName: Map<string, SafetensorsEntry>;
  private readonly skipped: Map<string, UnsupportedEntry>;
  private closed = false;
  /** Bytes read from the file so far (header included): what a lazy open and each read cost. */
  bytesRead: number;

  constructor(
    readonly path: string,
    private readonly fh: ByteSource,
    private readonly dataStart: number,
    entries: SafetensorsEntry[],
    unsupported: UnsupportedEntry[],
    readonly metadata: Record<string, string>,
  ) {
    this.bytesRead = dataStart;
    this.byName = new Map(entries.map((e) => [e.name, e]));
    this.skipped = new Map(unsupported.map((e) => [e.name, e]));
  }

  /** Tensors of dtypes Graft does not decode (listed, not readable). */
  unreadable(): UnsupportedTensorInfo[] {
    return [...this.skipped.values()]
      .map((e) => ({ name: e.name, storedDtype: e.dtype, shape: [...e.shape], bytes: e.end - e.begin, reason: e.reason }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  list(): TensorInfo[] {
    return [...this.byName.values()]
      .map((e) => ({ name: e.name, dtype: e.dtype, shape: [...e.shape], bytes: e.end - e.begin }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  has(name: string): boolean {
    return this.byName.has(name) || this.byName.has(stripZero(name));
  }

  private entry(name: string): SafetensorsEntry {
    const e = this.byName.get(name) ?? this.byName.get(stripZero(name));
    const u = e ? undefined : this.skipped.get(name) ?? this.skipped.get(stripZero(name));
    if (u) {
      throw new FormatError('unsupported_dtype', `${this.path}: tensor "${u.name}": ${u.reason}`, {
        hint: `the file's other tensors are readable: leave this one out (CLI --exclude ${u.name}), or convert it to F16/BF16/F32 with the program that wrote the file`,
        details: { path: this.path, name: u.name, dtype: u.dtype },
      });
    }
    if (!e) {
      throw new FormatError('tensor_not_found', `${this.path}: no tensor named "${name}" (the file has ${this.byName.size} tensors)`, {
        hint: `list the names with: graft inspect ${this.path}`, details: { path: this.path, name },
      });
    }
    return e;
  }

  info(name: string): TensorInfo {
    const e = this.entry(name);
    return { name: e.name, dtype: e.dtype, shape: [...e.shape], bytes: e.end - e.begin };
  }

  async read(name: string): Promise<TensorValue> {
    const e = this.entry(name);
    const data = new Uint8Array(e.end - e.begin);
    await this.readInto(name, data);
    return { name: e.name, dtype: e.dtype, shape: [...e.shape], data };
  }

  /** Read one tensor's bytes into a caller-owned buffer of exactly its size. */
  async readInto(name: string, target: Uint8Array): Promise<void> {
    const e = this.entry(name);
    if (target.length !== e.end - e.begin) {
      throw new FormatError('buffer_size_mismatch', `${this.path}: tensor "${e.name}" has ${e.end - e.begin} bytes, the target buffer ${target.length}`, {
        hint: 'allocate info(name).bytes bytes', details: { path: this.path, name: e.name, expected: e.end - e.begin, found: target.length },
      });
    }
    if (this.closed) throw new FormatError('reader_closed', `${this.path}: the reader is closed`, { hint: 'open the checkpoint again' });
    await readExactly(this.fh, target, this.dataStart + e.begin, this.path, `tensor "${e.name}"`);
    this.bytesRead += target.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A reader of one safetensors file. */
export type SafetensorsFileReader = CheckpointReader & {
  readInto(name: string, target: Uint8Array): Promise<void>;
  /** Bytes read from the file so far, header included. */
  readonly bytesRead: number;
  unreadable(): UnsupportedTensorInfo[];
};

/**
 * Open a `.safetensors` file: reads the 8-byte length and the JSON header, validates them
 * against the file size (header.ts), and keeps the file open for lazy tensor reads.
 * @example
 *   await using r = await openSafetensors('adapter_model.safetensors');
 *   const w = await r.read('base_model.model.score.weight');
 * Tensors of dtypes Graft does not decode are listed by `unreadable()`; `read`/`info` of one
 * throws FormatError `unsupported_dtype`, the others stay readable.
 * @throws CheckpointNotFoundError `checkpoint_not_found`; FormatError with the codes of header.ts.
 */
export async function openSafetensors(path: string): Promise<SafetensorsFileReader> {
  let fh: ByteSource;
  let size: number;
  try {
    // A regular file only (a FIFO or device is refused at once); the size is fstat's.
    fh = await openSource(path, { what: 'safetensors file' });
    size = fh.size;
  } catch (e) {
    if (e instanceof GraftError && e.code !== 'file_not_found') throw e;
    throw new CheckpointNotFoundError('checkpoint_not_found', `${path}: no such file`, { hint: 'check the path', details: { path }, cause: e });
  }
  try {
    const first = new Uint8Array(N_LEN);
    if (size >= N_LEN) await readExactly(fh, first, 0, path, 'header length');
    const headerSize = readHeaderSize(first, size, path);
    const json = new Uint8Array(headerSize);
    await readExactly(fh, json, N_LEN, path, 'header');
    const h = parseHeader(json, size, path);
    return new SafetensorsReader(path, fh, h.dataStart, h.entries, h.unsupported, h.metadata);
  } catch (e) {
    await fh.close();
    throw e;
  }
}
