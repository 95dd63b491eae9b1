/**
 * graft io: the one layer that touches `node:fs` for checkpoint bytes — regular-file byte sources
 * (`openRegularFile`), atomic single-file commits (`AtomicFile`), the atomic publish of a
 * multi-file write (`Publish`, with recovery), and typed filesystem errors.
 */
export { openRegularFile, readRegularFile, type RegularFile, type OpenRegularFileOptions } from './open-file.js';
export { AtomicFile, atomicWriteFile, tempSibling, fsyncDir, deadTemps, cleanOrphanTemps, pidAlive, HOST_TAG } from './atomic-file.js';
export { Publish, recoverPublish, recoverDirectory, awaitPublished, checkSnapshot, markerPath, SnapshotChangedError, COMMIT_MARKER_SUFFIX, type PublishOptions } from './publish.js';
export { toFileSystemError, withFsErrors, isErrnoError, fsErrorCode } from './fs-errors.js';
export { faultPoint } from './fault.js';
