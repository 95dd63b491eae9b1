/**
 * Graft's error classes: every failure a caller can act on is a `GraftError` with a stable
 * snake_case `code`, a message that names the concrete file/name/numbers, a one-sentence `hint`
 * (the next step), optional structured `details`, and the standard `cause`.
 *
 * Subclasses exist where a caller catches them differently (docs/design/STYLE.md §4).
 */

/** Structured facts attached to an error (path, name, expected, found, …); JSON-serialisable. */
export type ErrorDetails = Record<string, unknown>;

/** Options accepted by every Graft error constructor. */
export interface GraftErrorOptions {
  /** The next step for the person holding the file, one sentence. */
  hint?: string;
  /** Structured facts: path, name, expected, found, offset, … */
  details?: ErrorDetails;
  /** The lower-level error this one wraps. */
  cause?: unknown;
}

/** Base class of every error Graft throws on purpose. */
export class GraftError extends Error {
  /** Stable snake_case identifier; part of the public API. */
  readonly code: string;
  /** What to do next (one sentence), or undefined when the message says it all. */
  readonly hint?: string;
  /** Structured facts about the failure. */
  readonly details?: ErrorDetails;

  constructor(code: string, message: string, options: GraftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** A plain object for `--json` output: `{code, message, hint, details}`. */
  toJSON(): { code: string; message: string; hint?: string; details?: ErrorDetails } {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

/** A file is not what its format says (bad magic, CRC mismatch, truncated, bad header field). */
export class FormatError extends GraftError {}

/** No checkpoint at the given path or in the given directory. */
export class CheckpointNotFoundError extends GraftError {}

/** A restore plan has mismatches; carries the report so callers can show it. */
export class RestoreMismatchError extends GraftError {
  readonly report: unknown;
  constructor(code: string, message: string, report: unknown, options: GraftErrorOptions = {}) {
    super(code, message, options);
    this.report = report;
  }
}

/** Variable-scope and naming errors (TF's ValueErrors from variable_scope.py). */
export class ScopeError extends GraftError {}

/** A caller passed an option or argument that cannot work (API misuse, not a bad file). */
export class InvalidArgumentError extends GraftError {}

/** Bad command-line usage: unknown flag, missing argument. The CLI exits with code 2. */
export class UsageError extends GraftError {}

/** The compute backend could not be set up as asked. */
export class BackendError extends GraftError {}

/**
 * The operating system refused a file operation (disk full, read-only, permission, not a
 * directory, …); `code` names the condition (`disk_full`, `read_only`, …), `details.errno` the OS
 * code. A user error: the CLI exits 1.
 */
export class FileSystemError extends GraftError {}
/**
 * Training produced a NaN or an infinity (code `non_finite`): in the loss, or in a variable about
 * to be saved. Training stops before anything is written, as TF's NanTensorHook stops it.
 */
export class NonFiniteError extends GraftError {}
