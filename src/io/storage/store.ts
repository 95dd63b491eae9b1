/**
 * A small filesystem over a key → bytes backend (backend.ts), with the same write-then-publish
 * rule as io/publish.ts: a reader never sees half a checkpoint.
 *
 * Layout, for a location `<scheme>://a/b/name`:
 *   `d:a/b`      the directory record, JSON {v: 1, files: {name: {blob, size, mtimeMs}}, dirs: [name…]}
 *   `b:<random>` one file's bytes, written once and never changed (a new version is a new blob)
 * A publish writes every new blob first (invisible: no record names it), then replaces the
 * directory record in one atomic put (THE commit point), then deletes the blobs the new record no
 * longer names. A crash before the commit leaves the old record and some unnamed blobs (space, not
 * data: they are never read); after it the new files are whole. Writers of one directory take a
 * lock (Web Locks across tabs where `navigator.locks` exists, else within the page) around the
 * read-modify-write of the record, so two publishes into one directory both land.
 */
import { FileSystemError } from '../../errors.js';
import { openBinarySource, type BinaryData, type ByteSource } from '../byte-source.js';
import type { KeyValueBackend } from './backend.js';

interface FileRecord { blob: string; size: number; mtimeMs: number }
interface DirRecord { v: 1; files: Record<string, FileRecord>; dirs: string[] }

/** Largest directory record read (a record lists a run's files; anything bigger is not ours). */
const MAX_RECORD_BYTES = 16 << 20;

/** What `stat` says of a stored path (the fields Graft reads of a Node `Stats`). */
export interface StorageStat {
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
}

const statOf = (kind: 'file' | 'dir', size: number, mtimeMs: number): StorageStat => ({
  size, mtimeMs, dev: 0, ino: 0,
  isFile: () => kind === 'file', isDirectory: () => kind === 'dir', isSymbolicLink: () => false, isFIFO: () => false,
});

const locks = new Map<string, Promise<unknown>>();

async function withLock<T>(name: string, f: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: { locks?: { request(n: string, cb: () => Promise<T>): Promise<T> } } }).navigator;
  if (nav?.locks) return nav.locks.request(name, f);
  const prev = locks.get(name) ?? Promise.resolve();
  const run = prev.then(f, f);
  locks.set(name, run.catch(() => undefined));
  return run;
}

function randomId(): string {
  const b = new Uint8Array(12);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A file of a storage publish: bytes collected in memory until the commit. */
export class StorageFile {
  private readonly parts: Uint8Array[] = [];
  private n = 0;
  constructor(readonly name: string) {}
  get bytesWritten(): number {
    return this.n;
  }
  async write(data: Uint8Array): Promise<void> {
    this.parts.push(data.slice());
    this.n += data.length;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.n);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

/** A filesystem over one backend; paths are `/`-separated, relative to the scheme root. */
export class StorageFs {
  constructor(readonly scheme: string, readonly backend: KeyValueBackend) {}

  private where(path: string): string {
    return `${this.scheme}://${path}`;
  }

  private async record(dir: string): Promise<DirRecord | undefined> {
    const raw = await this.backend.get(`d:${dir}`);
    if (raw === undefined) return undefined;
    const src = openBinarySource(raw, this.where(dir), 'directory record');
    const text = new TextDecoder().decode(await src.readAll(MAX_RECORD_BYTES));
    let r: DirRecord;
    try {
      r = JSON.parse(text) as DirRecord;
    } catch (e) {
      throw new FileSystemError('bad_directory_record', `${this.where(dir)}: the directory record is not JSON`, { hint: 'the storage was written by something else; delete it', details: { dir }, cause: e });
    }
    if (r?.v !== 1 || typeof r.files !== 'object' || r.files === null || !Array.isArray(r.dirs)) {
      throw new FileSystemError('bad_directory_record', `${this.where(dir)}: the directory record has no files/dirs`, { hint: 'the storage was written by something else; delete it', details: { dir } });
    }
    return r;
  }

  /** Stat a path; undefined when nothing is there. */
  async stat(path: string): Promise<StorageStat | undefined> {
    if (path === '') return statOf('dir', 0, 0);
    if ((await this.backend.get(`d:${path}`)) !== undefined) return statOf('dir', 0, 0);
    const { dir, name } = split(path);
    const f = (await this.record(dir))?.files[name];
    return f === undefined ? undefined : statOf('file', f.size, f.mtimeMs);
  }

  /** Names in a directory (files and subdirectories). */
  async readdir(dir: string): Promise<string[]> {
    const r = await this.record(dir);
    if (r === undefined) {
      if (dir === '') return [];
      throw new FileSystemError('file_not_found', `${this.where(dir)}: no such directory`, { hint: 'check the location; nothing was saved there yet', details: { path: this.where(dir) } });
    }
    return [...r.dirs, ...Object.keys(r.files)].sort();
  }

  /** Create a directory and its parents (like `mkdir -p`). */
  async mkdir(dir: string): Promise<void> {
    if (dir === '') return;
    const { dir: parent, name } = split(dir);
    await this.mkdir(parent);
    await withLock(`graft:${this.scheme}:${parent}`, async () => {
      const r = (await this.record(parent)) ?? { v: 1 as const, files: {}, dirs: [] };
      if (r.files[name] !== undefined) throw new FileSystemError('not_a_directory', `${this.where(dir)} is a file`, { hint: 'a file stands where a directory is expected; check the path', details: { path: this.where(dir) } });
      if (!r.dirs.includes(name)) { r.dirs.push(name); await this.putRecord(parent, r); }
      if ((await this.record(dir)) === undefined) await this.putRecord(dir, { v: 1, files: {}, dirs: [] });
    });
  }

  private async putRecord(dir: string, r: DirRecord): Promise<void> {
    await this.backend.put(`d:${dir}`, new TextEncoder().encode(JSON.stringify(r)));
  }

  /** Open a stored file for reading. @throws FileSystemError `file_not_found`. */
  async open(path: string, what = 'file'): Promise<ByteSource> {
    const { dir, name } = split(path);
    const f = (await this.record(dir))?.files[name];
    const data = f === undefined ? undefined : await this.backend.get(`b:${f.blob}`);
    if (f === undefined || data === undefined) {
      if ((await this.backend.get(`d:${path}`)) !== undefined) {
        throw new FileSystemError('is_a_directory', `${this.where(path)}: the ${what} is a directory`, { hint: 'pass the file itself, not a directory', details: { path: this.where(path) } });
      }
      throw new FileSystemError('file_not_found', `${this.where(path)}: no such ${what} in ${this.scheme} storage`, { hint: 'check the location; save a checkpoint there first', details: { path: this.where(path) } });
    }
    const src = openBinarySource(data, this.where(path), what);
    if (src.size !== f.size) {
      throw new FileSystemError('storage_error', `${this.where(path)}: stored ${src.size} bytes but the directory record says ${f.size}`, { hint: 'the storage is damaged; save the checkpoint again', details: { path: this.where(path) } });
    }
    return src;
  }

  /** Publish files into `dir` in one commit (module comment), removing `remove` names. */
  async publish(dir: string, files: readonly StorageFile[], remove: readonly string[] = []): Promise<void> {
    await this.mkdir(dir);
    const blobs = new Map<string, FileRecord>();
    for (const f of files) {
      const blob = randomId();
      const bytes = f.bytes();
      await this.backend.put(`b:${blob}`, bytes);
      blobs.set(f.name, { blob, size: bytes.length, mtimeMs: Date.now() });
    }
    const dropped: string[] = [];
    try {
      await withLock(`graft:${this.scheme}:${dir}`, async () => {
        const r = (await this.record(dir)) ?? { v: 1 as const, files: {}, dirs: [] };
        for (const [name, rec] of blobs) {
          if (r.dirs.includes(name)) throw new FileSystemError('is_a_directory', `${this.where(`${dir}/${name}`)} is a directory`, { hint: 'write to another name', details: { path: this.where(`${dir}/${name}`) } });
          const old = r.files[name];
          if (old) dropped.push(old.blob);
          r.files[name] = rec;
        }
        for (const name of remove) {
          const old = r.files[name];
          if (old && !blobs.has(name)) { dropped.push(old.blob); delete r.files[name]; }
        }
        await this.putRecord(dir, r); // the commit point
      });
    } catch (e) {
      for (const rec of blobs.values()) await this.backend.delete(`b:${rec.blob}`).catch(() => undefined);
      throw e;
    }
    for (const b of dropped) await this.backend.delete(`b:${b}`).catch(() => undefined);
  }

  /** Delete files (one commit). @throws FileSystemError `file_not_found` when one is missing. */
  async unlink(path: string): Promise<void> {
    const { dir, name } = split(path);
    const r = await this.record(dir);
    if (r?.files[name] === undefined) throw new FileSystemError('file_not_found', `${this.where(path)}: no such file`, { hint: 'check the location', details: { path: this.where(path) } });
    await this.publish(dir, [], [name]);
  }

  /**
   * Put files given as Blobs / buffers into `dir` without copying them (memory backend only;
   * `mountFiles`). Names may hold `/` (subdirectories).
   */
  async mount(dir: string, files: readonly [string, BinaryData][], put: (key: string, data: BinaryData) => Promise<void>): Promise<void> {
    const byDir = new Map<string, [string, BinaryData][]>();
    for (const [name, data] of files) {
      const full = [dir, ...name.split('/').filter((s) => s !== '' && s !== '.')].filter((s) => s !== '').join('/');
      if (name.split('/').includes('..')) throw new FileSystemError('invalid_file_name', `${JSON.stringify(name)}: ".." is not allowed in a mounted name`, { hint: 'pass names relative to the mount', details: { name } });
      const { dir: d, name: n } = split(full);
      byDir.set(d, [...(byDir.get(d) ?? []), [n, data]]);
    }
    for (const [d, entries] of byDir) {
      await this.mkdir(d);
      const r = (await this.record(d)) ?? { v: 1 as const, files: {}, dirs: [] };
      for (const [n, data] of entries) {
        const blob = randomId();
        await put(`b:${blob}`, data);
        r.files[n] = { blob, size: openBinarySource(data, n).size, mtimeMs: Date.now() };
      }
      await this.putRecord(d, r);
    }
  }

  /** Write one file (a publish of one). */
  async writeFile(path: string, data: Uint8Array | string): Promise<void> {
    const { dir, name } = split(path);
    const f = new StorageFile(name);
    await f.write(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    await this.publish(dir, [f]);
  }
}

function split(path: string): { dir: string; name: string } {
  const i = path.lastIndexOf('/');
  return i === -1 ? { dir: '', name: path } : { dir: path.slice(0, i), name: path.slice(i + 1) };
}
