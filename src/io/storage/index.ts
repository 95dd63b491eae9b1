/**
 * Browser storage and in-memory files behind location schemes (io/source.ts routes to them):
 *
 *   `opfs://a/b`       Origin Private File System (backend.ts OpfsBackend)
 *   `indexeddb://a/b`  IndexedDB database `graft` (IndexedDbBackend)
 *   `mem://a/b`        memory of this page or process; `mountFiles` makes `mem://mount-N/`
 *
 * `defaultBrowserStorage()` is `opfs://` where OPFS exists, else `indexeddb://`.
 */
import { FileSystemError } from '../../errors.js';
import { schemeOf, splitLocation } from '../path.js';
import type { BinaryData } from '../byte-source.js';
import { IndexedDbBackend, MemoryBackend, OpfsBackend, hasIndexedDb, hasOpfs } from './backend.js';
import { StorageFile, StorageFs } from './store.js';

export { StorageFile, StorageFs, type StorageStat } from './store.js';
export { MemoryBackend, OpfsBackend, IndexedDbBackend, hasOpfs, hasIndexedDb, type KeyValueBackend } from './backend.js';

/** The schemes served by storage. */
export const STORAGE_SCHEMES: readonly string[] = ['opfs', 'indexeddb', 'mem'];

const memory = new MemoryBackend();
const stores = new Map<string, StorageFs>();

/** The store of a scheme (created on first use). */
export function storageFs(scheme: string): StorageFs {
  let s = stores.get(scheme);
  if (s === undefined) {
    if (scheme === 'mem') s = new StorageFs('mem', memory);
    else if (scheme === 'opfs') s = new StorageFs('opfs', new OpfsBackend());
    else if (scheme === 'indexeddb') s = new StorageFs('indexeddb', new IndexedDbBackend());
    else throw new FileSystemError('unknown_scheme', `${scheme}:// is not a storage scheme`, { hint: `use one of ${STORAGE_SCHEMES.map((x) => `${x}://`).join(', ')}`, details: { scheme } });
    stores.set(scheme, s);
  }
  return s;
}

/** Whether `location` names browser storage or memory (`opfs://`, `indexeddb://`, `mem://`). */
export function isStorageLocation(location: string): boolean {
  return STORAGE_SCHEMES.includes(schemeOf(location));
}

/** `{ fs, path }` of a storage location: the store and the `/`-joined path inside it. */
export function storagePath(location: string): { fs: StorageFs; path: string } {
  const scheme = schemeOf(location);
  const { root, path } = splitLocation(location);
  const authority = root.slice(scheme.length + 3);
  const parts = [authority, ...path.split('/')].filter((s) => s !== '' && s !== '.');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else out.push(p);
  }
  return { fs: storageFs(scheme), path: out.join('/') };
}

/** `opfs://` where OPFS exists, else `indexeddb://` where IndexedDB exists, else `mem://`. */
export function defaultBrowserStorage(): 'opfs://' | 'indexeddb://' | 'mem://' {
  return hasOpfs() ? 'opfs://' : hasIndexedDb() ? 'indexeddb://' : 'mem://';
}

let mounts = 0;

/**
 * Make files the page holds (from `<input type=file>`, a drop, `fetch().blob()`) readable by
 * every reader: returns a location `mem://mount-N/` under which each file sits by its name
 * (`File.webkitRelativePath` when set, else `File.name`; record keys as given, `/` makes
 * subdirectories). Nothing is copied.
 * @example
 *   const root = await mountFiles(input.files);          // model.ckpt-1.index, model.ckpt-1.data-…
 *   const reader = await openCheckpoint(root + 'model.ckpt-1');
 */
export async function mountFiles(files: Iterable<File> | ArrayLike<File> | Record<string, BinaryData>): Promise<string> {
  const entries: [string, BinaryData][] = [];
  const isList = typeof (files as Iterable<File>)[Symbol.iterator] === 'function' || typeof (files as ArrayLike<File>).length === 'number';
  if (isList) {
    for (const f of Array.from(files as ArrayLike<File>)) entries.push([(f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, f]);
  } else {
    for (const [k, v] of Object.entries(files as Record<string, BinaryData>)) entries.push([k, v]);
  }
  const dir = `mount-${++mounts}`;
  await storageFs('mem').mount(dir, entries, (k, d) => memory.put(k, d));
  return `mem://${dir}/`;
}

/** A publish into storage with the shape of io/publish.ts `Publish` (create, remove, commit, abort). */
export class StoragePublish {
  private readonly files: StorageFile[] = [];
  private readonly removals = new Set<string>();
  private done = false;
  private constructor(private readonly fs: StorageFs, private readonly dir: string, readonly key: string) {}

  /** Begin a publish into storage directory location `dir`. */
  static async begin(dir: string, key: string): Promise<StoragePublish> {
    const { fs, path } = storagePath(dir);
    return new StoragePublish(fs, path, key);
  }

  async create(name: string): Promise<StorageFile> {
    if (name === '' || name.includes('/') || name === '.' || name === '..') throw new FileSystemError('invalid_file_name', `${JSON.stringify(name)} is not a plain file name`, { hint: 'pass a name without "/"', details: { name } });
    const f = new StorageFile(name);
    this.files.push(f);
    return f;
  }

  remove(names: Iterable<string>): void {
    for (const n of names) if (!this.files.some((f) => f.name === n)) this.removals.add(n);
  }

  async commit(): Promise<void> {
    if (this.done) throw new FileSystemError('publish_finished', `${this.dir}/${this.key}: this publish was already committed or aborted`, { hint: 'start a new publish' });
    this.done = true;
    await this.fs.publish(this.dir, this.files, [...this.removals]);
  }

  async abort(): Promise<void> {
    this.done = true;
  }
}
