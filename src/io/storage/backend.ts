/**
 * Key → bytes backends under browser storage (and an in-memory one): each `put` of one key is
 * atomic (a reader sees the old value or the new, whole), nothing more is assumed. The
 * multi-file publish is built on that in store.ts (immutable blobs, then one directory record
 * written last), the same rule for every backend.
 *
 *   memory     a Map (Node and browser; `mem://`, also files mounted with `mountFiles`)
 *   opfs       the Origin Private File System: one file per key in directory `graft/`, written
 *              with `createWritable()` (a swap file replaced on `close()`, so a put is atomic)
 *   indexeddb  database `graft`, object store `files`; each put is its own transaction
 */
import { FileSystemError } from '../../errors.js';
import type { BinaryData } from '../byte-source.js';

/** A key → bytes store with atomic single-key writes. */
export interface KeyValueBackend {
  /** `memory`, `opfs` or `indexeddb`. */
  readonly kind: string;
  get(key: string): Promise<BinaryData | undefined>;
  put(key: string, data: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The in-memory backend (values kept as given). */
export class MemoryBackend implements KeyValueBackend {
  readonly kind = 'memory';
  private readonly map = new Map<string, BinaryData>();
  async get(key: string): Promise<BinaryData | undefined> {
    return this.map.get(key);
  }
  async put(key: string, data: BinaryData): Promise<void> {
    this.map.set(key, data);
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
}

function unavailable(kind: string, why: string): FileSystemError {
  return new FileSystemError('storage_unavailable', `${kind}:// storage is not available here: ${why}`, {
    hint: kind === 'opfs' ? 'use indexeddb:// (or defaultBrowserStorage()), or a page served over https or localhost' : 'use opfs:// or a page served over https or localhost',
    details: { scheme: kind },
  });
}

function storageError(kind: string, op: string, key: string, e: unknown): FileSystemError {
  const name = (e as { name?: string }).name ?? '';
  const quota = name === 'QuotaExceededError';
  return new FileSystemError(quota ? 'quota_exceeded' : 'storage_error', `${kind}:// ${op} of ${key} failed: ${e instanceof Error ? e.message : String(e)}`, {
    hint: quota ? 'the origin is out of storage quota; delete old checkpoints (or ask for navigator.storage.persist())' : 'the browser refused the storage operation; check the page origin and its storage settings',
    details: { scheme: kind, op, key }, cause: e,
  });
}

interface OpfsDir {
  getDirectoryHandle(name: string, o?: { create?: boolean }): Promise<OpfsDir>;
  getFileHandle(name: string, o?: { create?: boolean }): Promise<{ getFile(): Promise<Blob>; createWritable(): Promise<{ write(d: Uint8Array): Promise<void>; close(): Promise<void>; abort(): Promise<void> }> }>;
  removeEntry(name: string): Promise<void>;
}

/** Whether this host has OPFS (`navigator.storage.getDirectory`). */
export function hasOpfs(): boolean {
  const nav = (globalThis as { navigator?: { storage?: { getDirectory?: unknown } } }).navigator;
  return typeof nav?.storage?.getDirectory === 'function';
}

/** Whether this host has IndexedDB. */
export function hasIndexedDb(): boolean {
  return typeof (globalThis as { indexedDB?: unknown }).indexedDB === 'object';
}

/** File name of a key in the OPFS directory (keys hold `/` and `:`). */
const opfsName = (key: string): string => encodeURIComponent(key);

/** The OPFS backend. */
export class OpfsBackend implements KeyValueBackend {
  readonly kind = 'opfs';
  private dir: Promise<OpfsDir> | undefined;

  private root(): Promise<OpfsDir> {
    if (!hasOpfs()) return Promise.reject(unavailable('opfs', 'navigator.storage.getDirectory is missing'));
    this.dir ??= (globalThis as unknown as { navigator: { storage: { getDirectory(): Promise<OpfsDir> } } }).navigator.storage.getDirectory()
      .then((r) => r.getDirectoryHandle('graft', { create: true }));
    return this.dir;
  }

  async get(key: string): Promise<BinaryData | undefined> {
    const dir = await this.root();
    try {
      return await (await dir.getFileHandle(opfsName(key))).getFile();
    } catch (e) {
      if ((e as { name?: string }).name === 'NotFoundError') return undefined;
      throw storageError('opfs', 'read', key, e);
    }
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const dir = await this.root();
    try {
      const w = await (await dir.getFileHandle(opfsName(key), { create: true })).createWritable();
      try {
        await w.write(data);
      } catch (e) {
        await w.abort().catch(() => undefined);
        throw e;
      }
      await w.close(); // the commit: the swap file replaces the old contents
    } catch (e) {
      throw storageError('opfs', 'write', key, e);
    }
  }

  async delete(key: string): Promise<void> {
    const dir = await this.root();
    await dir.removeEntry(opfsName(key)).catch(() => undefined);
  }
}

/** The IndexedDB backend. */
export class IndexedDbBackend implements KeyValueBackend {
  readonly kind = 'indexeddb';
  private db: Promise<IDBDatabase> | undefined;

  private open(): Promise<IDBDatabase> {
    if (!hasIndexedDb()) return Promise.reject(unavailable('indexeddb', 'indexedDB is missing'));
    this.db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open('graft', 1);
      req.onupgradeneeded = () => { req.result.createObjectStore('files'); };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(storageError('indexeddb', 'open', 'graft', req.error));
    });
    return this.db;
  }

  private async run<T>(mode: IDBTransactionMode, key: string, op: string, f: (s: IDBObjectStore) => IDBRequest): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      const tx = db.transaction('files', mode);
      const req = f(tx.objectStore('files'));
      let result: T;
      req.onsuccess = () => { result = req.result as T; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(storageError('indexeddb', op, key, tx.error ?? req.error));
      tx.onabort = () => reject(storageError('indexeddb', op, key, tx.error ?? req.error));
    });
  }

  async get(key: string): Promise<BinaryData | undefined> {
    const v = await this.run<unknown>('readonly', key, 'read', (s) => s.get(key));
    if (v === undefined) return undefined;
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v) || (typeof Blob !== 'undefined' && v instanceof Blob)) return v as BinaryData;
    throw new FileSystemError('storage_error', `indexeddb:// ${key} holds a ${typeof v}, not bytes`, { hint: 'the database was written by something else; delete it', details: { key } });
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    // a standalone copy: IndexedDB clones the whole underlying buffer of a view
    const copy = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer;
    await this.run('readwrite', key, 'write', (s) => s.put(copy, key));
  }

  async delete(key: string): Promise<void> {
    await this.run('readwrite', key, 'delete', (s) => s.delete(key));
  }
}
