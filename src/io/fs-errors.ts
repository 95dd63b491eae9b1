/**
 * Typed filesystem errors: the OS's errno (ENOSPC, EROFS, EACCES, …) becomes a
 * `FileSystemError` with a stable snake_case `code`, a message naming the path and the operation,
 * and a hint saying what to do — instead of a bare Node error that the CLI would report as exit 70
 * `internal_error`.
 *
 *   errno              code                 hint (short)
 *   ENOSPC             disk_full            free space or write elsewhere
 *   EDQUOT             quota_exceeded       free space in your quota
 *   EFBIG              file_too_large       raise `ulimit -f` / use a filesystem that allows it
 *   EROFS              read_only            write to a writable location
 *   EACCES, EPERM      permission_denied    fix permissions or choose another path
 *   ENOTDIR            not_a_directory      a path component is a file
 *   EISDIR             is_a_directory       the path is a directory, a file was expected
 *   ENOENT             file_not_found       check the path / create the directory
 *   EEXIST             file_exists          choose another path
 *   EMFILE, ENFILE     too_many_open_files  raise `ulimit -n`
 *   ENAMETOOLONG       name_too_long        shorten the path
 *   ELOOP              symlink_loop         fix the symbolic link
 *   EXDEV              cross_device         keep temporary and final files on one filesystem
 *   EIO                io_error             the disk or network filesystem failed
 *   ETXTBSY, EBUSY     file_busy            another process holds the file
 */
import { FileSystemError, GraftError } from '../errors.js';

interface Mapped {
  code: string;
  what: string;
  hint: string;
}

const MAP: Record<string, Mapped> = {
  ENOSPC: { code: 'disk_full', what: 'no space left on the device', hint: 'free disk space (delete old checkpoints) or write to another filesystem; nothing partial was kept' },
  EDQUOT: { code: 'quota_exceeded', what: 'disk quota exceeded', hint: 'free space within your quota or write to another filesystem' },
  EFBIG: { code: 'file_too_large', what: 'file too large for this filesystem or process limit', hint: 'raise the file-size limit (ulimit -f) or write to a filesystem that allows larger files' },
  EROFS: { code: 'read_only', what: 'the filesystem is read-only', hint: 'write to a writable location (e.g. another --train-dir or destination)' },
  EACCES: { code: 'permission_denied', what: 'permission denied', hint: 'fix the permissions of the file or its directory, or choose a path you may write' },
  EPERM: { code: 'permission_denied', what: 'operation not permitted', hint: 'fix the permissions of the file or its directory, or choose a path you may write' },
  ENOTDIR: { code: 'not_a_directory', what: 'a component of the path is not a directory', hint: 'a file stands where a directory is expected; check the path' },
  EISDIR: { code: 'is_a_directory', what: 'the path is a directory', hint: 'pass a file path, not a directory' },
  ENOENT: { code: 'file_not_found', what: 'no such file or directory', hint: 'check the path; create the parent directory first when writing' },
  EEXIST: { code: 'file_exists', what: 'the file already exists', hint: 'choose another path or remove the existing file' },
  EMFILE: { code: 'too_many_open_files', what: 'too many open files in this process', hint: 'raise the open-file limit (ulimit -n)' },
  ENFILE: { code: 'too_many_open_files', what: 'too many open files in the system', hint: 'close other programs or raise the system open-file limit' },
  ENAMETOOLONG: { code: 'name_too_long', what: 'file name too long', hint: 'use a shorter path' },
  ELOOP: { code: 'symlink_loop', what: 'too many levels of symbolic links', hint: 'fix the symbolic link' },
  EXDEV: { code: 'cross_device', what: 'rename across filesystems', hint: 'keep the destination and its directory on one filesystem' },
  EIO: { code: 'io_error', what: 'input/output error', hint: 'the disk or network filesystem failed; check it (dmesg) and retry' },
  EBUSY: { code: 'file_busy', what: 'device or resource busy', hint: 'another process holds the file; retry when it is done' },
  ETXTBSY: { code: 'file_busy', what: 'text file busy', hint: 'another process holds the file; retry when it is done' },
};

/** Whether `e` is a Node system error carrying an errno code (`ENOSPC`, …). */
export function isErrnoError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((e as NodeJS.ErrnoException).code!);
}

/** The Graft code an errno maps to (`ENOSPC` → `disk_full`), or undefined for an unknown one. */
export function fsErrorCode(errno: string): string | undefined {
  return MAP[errno]?.code;
}

/**
 * Turn a Node filesystem error into a typed `FileSystemError`; other errors (GraftErrors
 * included) come back unchanged. `op` says what Graft was doing ("write", "rename", "open"),
 * `path` the file it was doing it to (default: the error's own path).
 */
export function toFileSystemError(e: unknown, op?: string, path?: string): unknown {
  if (e instanceof GraftError || !isErrnoError(e)) return e;
  const m = MAP[e.code];
  const p = path ?? e.path ?? (e as { dest?: string }).dest;
  const doing = op ?? e.syscall ?? 'file operation';
  if (m === undefined) {
    return new FileSystemError('filesystem_error', `${p ?? '(unknown path)'}: ${doing} failed: ${e.message}`, {
      hint: 'check the path and the filesystem', details: { path: p, errno: e.code, syscall: e.syscall }, cause: e,
    });
  }
  return new FileSystemError(m.code, `${p ?? '(unknown path)'}: ${doing} failed: ${m.what} (${e.code})`, {
    hint: m.hint, details: { path: p, errno: e.code, syscall: e.syscall }, cause: e,
  });
}

/** Run `fn`; a Node filesystem error it throws is rethrown typed (see {@link toFileSystemError}). */
export async function withFsErrors<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toFileSystemError(e, op, path);
  }
}
