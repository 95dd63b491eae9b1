import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemError, FormatError } from '../../src/errors.js';
import { HOST_TAG } from '../../src/io/atomic-file.js';
import { Publish, awaitPublished, checkSnapshot, markerPath, recoverDirectory, recoverPublish } from '../../src/io/publish.js';
import { openRegularFile } from '../../src/io/open-file.js';

const DEAD = 99_999_999; // above Linux's pid_max: never a live process
const tmp = (): string => mkdtempSync(join(tmpdir(), 'graft-publish-'));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const listing = (dir: string): string[] => readdirSync(dir).sort();

async function publish(dir: string, files: Record<string, string>, remove: string[] = []): Promise<void> {
  const pub = await Publish.begin(dir, 'ck');
  try {
    for (const [name, body] of Object.entries(files)) await (await pub.create(name)).write(text(body));
    pub.remove(remove);
    await pub.commit();
  } catch (e) {
    await pub.abort();
    throw e;
  }
}

/** A marker as a writer killed after the commit point leaves it. */
function deadMarker(dir: string, renames: [string, string][], remove: string[] = [], host = HOST_TAG): void {
  writeFileSync(markerPath(dir, 'ck'), JSON.stringify({ format: 'graft-commit', version: 1, host, pid: DEAD, nonce: 'n1', renames, remove }));
}

test('Publish: every file appears under its final name at once; no marker or temporary remains', async () => {
  const dir = tmp();
  try {
    await publish(dir, { 'ck.data': 'D1', 'ck.index': 'I1' });
    assert.deepEqual(listing(dir), ['ck.data', 'ck.index']);
    await publish(dir, { 'ck.data': 'D2', 'ck.index': 'I2' }, ['ck.old-shard']);
    assert.equal(readFileSync(join(dir, 'ck.data'), 'utf8'), 'D2');
    assert.equal(readFileSync(join(dir, 'ck.index'), 'utf8'), 'I2');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Publish: files the new checkpoint lacks are removed in the same publish; a failure before commit removes the temporaries', async () => {
  const dir = tmp();
  try {
    await publish(dir, { 'a.bin': '1', 'b.bin': '2', 'model.json': 'm1' });
    await publish(dir, { 'a.bin': '3', 'model.json': 'm2' }, ['a.bin', 'b.bin']);
    assert.deepEqual(listing(dir), ['a.bin', 'model.json']);
    const pub = await Publish.begin(dir, 'ck');
    await (await pub.create('a.bin')).write(text('never'));
    assert.equal(listing(dir).filter((n) => n.includes('.graft-tmp-')).length, 1);
    await pub.abort();
    assert.deepEqual(listing(dir), ['a.bin', 'model.json']);
    assert.equal(readFileSync(join(dir, 'a.bin'), 'utf8'), '3');
    await assert.rejects(pub.create('../escape'), (e: FileSystemError) => e.code === 'invalid_file_name');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recovery rolls an interrupted publish forward: some files renamed, some still temporaries', async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'ck.data'), 'OLD-D');
    writeFileSync(join(dir, 'ck.index'), 'OLD-I');
    writeFileSync(join(dir, 'ck.stale'), 'OLD-S');
    const tD = `.ck.data.graft-tmp-${HOST_TAG}-${DEAD}-aa`;
    const tI = `.ck.index.graft-tmp-${HOST_TAG}-${DEAD}-bb`;
    writeFileSync(join(dir, tD), 'NEW-D');
    writeFileSync(join(dir, tI), 'NEW-I');
    deadMarker(dir, [[tD, 'ck.data'], [tI, 'ck.index']], ['ck.stale']);
    renameSync(join(dir, tD), join(dir, 'ck.data')); // the writer got one rename done, then died
    // a reader finishes it (old index over new data would otherwise be read)
    await awaitPublished(dir, 'ck');
    assert.deepEqual(listing(dir), ['ck.data', 'ck.index']);
    assert.equal(readFileSync(join(dir, 'ck.index'), 'utf8'), 'NEW-I');
    assert.equal(await recoverPublish(dir, 'ck'), 'none');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('temporaries: a dead writer\'s are deleted by the next writer, a live writer\'s and those a marker still names are kept', async () => {
  const dir = tmp();
  try {
    const dead = `.x.bin.graft-tmp-${HOST_TAG}-${DEAD}-01`;
    const live = `.y.bin.graft-tmp-${HOST_TAG}-${process.pid}-02`;
    const foreign = `.z.bin.graft-tmp-00000000-${DEAD}-03`;
    for (const n of [dead, live, foreign]) writeFileSync(join(dir, n), 'partial');
    assert.deepEqual(await recoverDirectory(dir), [dead]);
    assert.deepEqual(listing(dir), [live, foreign].sort());
    // a marker of a live writer: readers wait, then a typed error; the marker stays
    writeFileSync(markerPath(dir, 'ck'), JSON.stringify({ format: 'graft-commit', version: 1, host: HOST_TAG, pid: process.pid, nonce: 'n', renames: [[live, 'y.bin']], remove: [] }));
    await assert.rejects(awaitPublished(dir, 'ck', { waitMs: 50 }), (e: FileSystemError) => e.code === 'commit_in_progress' && typeof e.hint === 'string');
    assert.equal(await recoverPublish(dir, 'ck'), 'busy');
    assert.ok(existsSync(join(dir, live)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a marker from another host is left alone until it is old; a damaged marker is a typed error', async () => {
  const dir = tmp();
  try {
    deadMarker(dir, [], [], 'ffffffff');
    assert.equal(await recoverPublish(dir, 'ck'), 'busy');
    writeFileSync(markerPath(dir, 'ck'), '{"format":"graft-commit","version":1,"renames":[["../../etc/passwd","x"]]}');
    await assert.rejects(recoverPublish(dir, 'ck'), (e: FormatError) => e instanceof FormatError && e.code === 'bad_commit_marker');
    rmSync(markerPath(dir, 'ck'));
    execFileSync('mkfifo', [markerPath(dir, 'ck')]); // must not block
    await assert.rejects(recoverPublish(dir, 'ck'), (e: FormatError) => e.code === 'bad_commit_marker');
    // a path under a file has no marker: the open that follows reports the real problem
    writeFileSync(join(dir, 'file'), 'x');
    assert.equal(await recoverPublish(join(dir, 'file'), 'ck'), 'none');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkSnapshot: files replaced after they were opened are detected', async () => {
  const dir = tmp();
  try {
    await publish(dir, { 'ck.data': 'D1', 'ck.index': 'I1' });
    const f = await openRegularFile(join(dir, 'ck.index'));
    await f.close();
    await checkSnapshot(dir, 'ck', [f]);
    await publish(dir, { 'ck.data': 'D2', 'ck.index': 'I2' });
    await assert.rejects(checkSnapshot(dir, 'ck', [f]), (e: FileSystemError) => e.code === 'snapshot_changed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
