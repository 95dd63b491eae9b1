/** Directories holding TF bundle files without a `checkpoint` state file (a SavedModel's variables/). */
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

test('a SavedModel variables/ folder opens its only bundle, with a note', async () => {
  const dir = `${FIXTURES}savedmodel/serving-half-plus-two-tf2-cpu/variables`;
  await using r = await openCheckpoint(dir);
  assert.equal(r.format, 'tf-bundle');
  assert.equal(r.list().length, 4);
  assert.match(r.metadata.note!, /has no 'checkpoint' state file; using the only TF checkpoint in it, .*variables\/variables\./);
});

test('several bundles and no state file: ambiguous_directory names them; .index alone: shard_missing names the data file', async () => {
  const two = join(tmp, 'two');
  mkdirSync(two);
  const src = `${FIXTURES}tf1-bundle/caicloud-v1v2-ema-known-values/`;
  for (const f of ['model.ckpt.index', 'model.ckpt.data-00000-of-00001', 'model2.ckpt.index', 'model2.ckpt.data-00000-of-00001']) copyFileSync(src + f, join(two, f));
  await assert.rejects(openCheckpoint(two), (e: unknown) => e instanceof CheckpointNotFoundError && e.code === 'ambiguous_directory' && /holds 2 TF checkpoints: .*two\/model\.ckpt, .*two\/model2\.ckpt/.test(e.message));
  const one = join(tmp, 'one');
  mkdirSync(one);
  copyFileSync(src + 'model.ckpt.index', join(one, 'model.ckpt.index'));
  await assert.rejects(openCheckpoint(one), (e: unknown) => e instanceof FormatError && e.code === 'shard_missing' && /model\.ckpt\.data-00000-of-00001: data file of shard 0 of 1 is missing/.test(e.message));
});
