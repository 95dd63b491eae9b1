/**
 * Publish routing: the format writers begin a multi-file commit with `beginPublish(dir, key)`,
 * which is io/publish.ts `Publish` for paths (Node) and `StoragePublish` for `opfs://`,
 * `indexeddb://` and `mem://` (storage/index.ts) — both write every file, then make them visible
 * in one step, so a reader never sees half a checkpoint. Readers call `awaitPublished` before
 * and `checkSnapshot` after opening; storage publishes are a single record write, so both are
 * no-ops there (and over HTTP, where nothing is written).
 */
import { FileSystemError } from '../errors.js';
import { Publish, awaitPublished as nodeAwait, checkSnapshot as nodeCheck } from '#graft/node';
import { schemeOf } from './path.js';
import { isStorageLocation, StoragePublish } from './storage/index.js';

/** One file being written in a publish. */
export interface PublishFile {
  /** Bytes written so far. */
  readonly bytesWritten: number;
  write(data: Uint8Array): Promise<void>;
}

/** A multi-file commit in progress (io/publish.ts `Publish` or storage). */
export interface FilePublish {
  create(name: string): Promise<PublishFile>;
  remove(names: Iterable<string>): void;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Options of {@link beginPublish}. */
export interface BeginPublishOptions {
  /** fsync files and the directory (default true; files only). */
  fsync?: boolean;
  /** How long to wait for another live writer (files only; default 30 s). */
  waitMs?: number;
}

const isHttp = (p: string): boolean => { const s = schemeOf(p); return s === 'http' || s === 'https'; };

/**
 * Begin a publish of destination `key` in directory `dir` (a path or a storage location).
 * @throws FileSystemError `read_only` for http(s):// and the errno codes of io/publish.ts.
 */
export async function beginPublish(dir: string, key: string, options: BeginPublishOptions = {}): Promise<FilePublish> {
  if (isStorageLocation(dir)) return StoragePublish.begin(dir, key);
  if (isHttp(dir)) {
    throw new FileSystemError('read_only', `${dir}: cannot write a checkpoint over HTTP`, { hint: 'save to a path, opfs:// or indexeddb://, or download the files', details: { path: dir } });
  }
  return Publish.begin(dir, key, options);
}

/** Wait until no publish of `key` in `dir` is in flight (files; storage and HTTP: nothing to wait for). */
export async function awaitPublished(dir: string, key: string, options: { waitMs?: number } = {}): Promise<void> {
  if (isStorageLocation(dir) || isHttp(dir)) return;
  await nodeAwait(dir, key, options);
}

/** Check that the files a reader opened are one snapshot (files; elsewhere a no-op). */
export async function checkSnapshot(dir: string, key: string, files: { path: string; dev: number; ino: number }[]): Promise<void> {
  if (isStorageLocation(dir) || isHttp(dir)) return;
  await nodeCheck(dir, key, files);
}
