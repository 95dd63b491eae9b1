/** The error a reader's snapshot check throws (io/publish.ts `checkSnapshot`), host-neutral so readers can catch it anywhere. */
import { FileSystemError } from '../errors.js';

/** Files a reader opened changed while it opened them (a publish raced it): open again. */
export class SnapshotChangedError extends FileSystemError {}
