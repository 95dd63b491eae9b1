/** Directories holding TF bundle files without a `checkpoint` state file: refused as TF refuses them, naming what was found. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointNotFoundError, FormatError } from '../../../src/errors.js';
import { openCheckpoint } from '../../../src/formats/open.js';
import { FIXTURES } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'graft-bundle-dir-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('a SavedModel variables/ folder (snappy-indexed, real): TF\'s words, the files found and the prefix to pass', async () => {
  const dir = `${FIXTURES}savedmodel/serving-half-plus-two-tf2-cpu/variables`;
  await assert.rejects(openCheckpoint(dir), (e: unknown) => e instanceof CheckpointNotFoundError
    && /Couldn't find 'checkpoint' file or checkpoints in given directory .*found variables\.data-00000-of-00001, variables\.index/.test(e.message)
    && /variables\/variables/.test(e.hint ?? ''));
  // The SavedModel directory itself opens its variables bundle.
  await using r = await openCheckpoint(`${FIXTURES}savedmodel/serving-half-plus-two-tf2-cpu`);
  assert.equal(r.list().length, 4);
});

test('a prefix whose .index is there but not its data file: shard_missing names the data file', async () => {
  const one = join(tmp, 'one');
  mkdirSync(one);
  copyFileSync(`${FIXTURES}tf1-bundle/caicloud-v1v2-ema-known-values/model.ckpt.index`, join(one, 'model.ckpt.index'));
  await assert.rejects(openCheckpoint(join(one, 'model.ckpt')), (e: unknown) => e instanceof FormatError && e.code === 'shard_missing' && /model\.ckpt\.data-00000-of-00001: data file of shard 0 of 1 is missing/.test(e.message));
});
