import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemError, FormatError } from '../../src/errors.js';
import { openRegularFile, readRegularFile } from '../../src/io/open-file.js';
import { fsErrorCode, toFileSystemError } from '../../src/io/fs-errors.js';
import { readCheckpointState } from '../../src/formats/state-file.js';
import { readMeta } from '../../src/checkpoint/meta.js';
import { readEventFile } from '../../src/train/summary/event-reader.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'graft-open-'));

test('openRegularFile: size from fstat, bounded positioned reads', async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'f'), 'hello world');
    await using f = await openRegularFile(join(dir, 'f'));
    assert.equal(f.size, 11);
    assert.equal(new TextDecoder().decode(await f.read(6, 5)), 'world');
    await assert.rejects(f.read(6, 6), (e: FormatError) => e.code === 'truncated');
    await assert.rejects(f.readAll(10), (e: FormatError) => e.code === 'file_too_large_to_read');
    assert.equal((await readRegularFile(join(dir, 'f'), 11)).length, 11);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('openRegularFile refuses FIFOs (without blocking), devices, directories; missing files are typed', async () => {
  const dir = tmp();
  try {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    symlinkSync('/dev/zero', join(dir, 'zero'));
    mkdirSync(join(dir, 'd'));
    for (const [name, kind] of [['fifo', 'a FIFO (named pipe)'], ['zero', 'a character device']]) {
      await assert.rejects(openRegularFile(join(dir, name), { what: 'checkpoint index' }), (e: FormatError) =>
        e instanceof FormatError && e.code === 'not_a_regular_file' && e.details?.kind === kind && /checkpoint index/.test(e.message));
    }
    await assert.rejects(openRegularFile(join(dir, 'd')), (e: FileSystemError) => e.code === 'is_a_directory');
    await assert.rejects(openRegularFile(join(dir, 'none')), (e: FileSystemError) => e instanceof FileSystemError && e.code === 'file_not_found' && e.details?.errno === 'ENOENT');
    await assert.rejects(openRegularFile(join(dir, 'fifo', 'x')), (e: FileSystemError) => e.code === 'not_a_directory' || e.code === 'file_not_found');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the state file, .meta.json and event files are read through it: a FIFO gives a typed error, no hang', async () => {
  const dir = tmp();
  try {
    execFileSync('mkfifo', [join(dir, 'checkpoint')]);
    execFileSync('mkfifo', [join(dir, 'model.ckpt-1.meta.json')]);
    execFileSync('mkfifo', [join(dir, 'events.out.tfevents.1')]);
    await assert.rejects(readCheckpointState(dir), (e: FormatError) => e.code === 'not_a_regular_file');
    await assert.rejects(readMeta(join(dir, 'model.ckpt-1')), (e: FormatError) => e.code === 'not_a_regular_file');
    await assert.rejects(readEventFile(join(dir, 'events.out.tfevents.1')), (e: FormatError) => e.code === 'not_a_regular_file');
    assert.equal(await readCheckpointState(join(dir, 'missing')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errno codes map to typed errors with hints; Graft errors pass through unchanged', async () => {
  const table: [string, string][] = [['ENOSPC', 'disk_full'], ['EFBIG', 'file_too_large'], ['EROFS', 'read_only'], ['EACCES', 'permission_denied'], ['EPERM', 'permission_denied'],
    ['ENOTDIR', 'not_a_directory'], ['EISDIR', 'is_a_directory'], ['ENOENT', 'file_not_found'], ['EDQUOT', 'quota_exceeded'], ['EMFILE', 'too_many_open_files']];
  for (const [errno, code] of table) assert.equal(fsErrorCode(errno), code);
  // a real ENOTDIR from the OS
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'file'), 'x');
    let raw: unknown;
    try { writeFileSync(join(dir, 'file', 'y'), 'x'); } catch (e) { raw = e; }
    const typed = toFileSystemError(raw, 'write') as FileSystemError;
    assert.ok(typed instanceof FileSystemError);
    assert.equal(typed.code, 'not_a_directory');
    assert.match(typed.message, /file\/y: write failed: a component of the path is not a directory \(ENOTDIR\)/);
    assert.ok(typed.hint && typed.cause === raw);
    const mine = new FormatError('bad_magic', 'x');
    assert.equal(toFileSystemError(mine), mine);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
