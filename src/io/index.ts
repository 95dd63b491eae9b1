/**
 * graft io (`graft/io`): the one layer that touches `node:fs`, `fetch` or browser storage.
 *
 * - Sources: `openSource(location)` routes a path, `file://`, `http(s)://` (Range requests),
 *   `opfs://`, `indexeddb://` or `mem://` to a random-access `ByteSource`; `openBinarySource`
 *   wraps a Blob / ArrayBuffer; `mountFiles` makes page files readable under `mem://`.
 * - Sinks: `beginPublish(dir, key)` — the atomic multi-file commit on disk (`Publish`, with
 *   recovery) or in storage (`StoragePublish`); `downloadFiles` hands files to the user.
 * - Path arithmetic that keeps URL roots (`join`, `dirname`, …) and typed filesystem errors.
 * Node-only parts (`openRegularFile`, `AtomicFile`, `Publish`, …) come from `#graft/node`, which
 * a browser bundle replaces with typed `no_filesystem` errors.
 */
export {
  openRegularFile, readRegularFile, AtomicFile, tempSibling, fsyncDir, pidAlive,
  Publish, recoverPublish, recoverDirectory, HOST,
} from '#graft/node';
export type { RegularFile } from '#graft/node';
export { SnapshotChangedError } from './snapshot.js';
export { toFileSystemError, withFsErrors, isErrnoError, fsErrorCode } from './fs-errors.js';
export { openSource, readSource, setHttpDefaults, filePathOfUrl, type OpenSourceOptions } from './source.js';
export { openBinarySource, BytesSource, BlobSource, readExactly, type ByteSource, type BinaryData } from './byte-source.js';
export { openHttpSource, type HttpSource, type HttpSourceOptions, type HttpStats } from './http-source.js';
export { beginPublish, awaitPublished, checkSnapshot, type FilePublish, type PublishFile, type BeginPublishOptions } from './sink.js';
export {
  mountFiles, defaultBrowserStorage, isStorageLocation, storageFs, StoragePublish, StorageFs, hasOpfs, hasIndexedDb,
  STORAGE_SCHEMES, type StorageStat, type KeyValueBackend,
} from './storage/index.js';
export { downloadFiles, type DownloadOptions } from './download.js';
export { stat, readdir, mkdir, readFile, writeFile, unlink, rm, atomicWriteFile, type FileStat, type DirEntry } from './fs.js';
export { join, dirname, basename, resolve, relative, normalize, isAbsolute, extname, schemeOf, splitLocation, sep } from './path.js';
