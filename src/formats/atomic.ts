/**
 * Re-export of the atomic single-file commit, which lives in ../io/atomic-file.ts (kept so the
 * existing imports of formats/atomic.js keep working).
 */
export { AtomicFile, atomicWriteFile, tempSibling, fsyncDir } from '../io/fs.js';
