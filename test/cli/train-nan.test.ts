// A run driven to NaN (issue 13): an absurd learning rate makes the loss and the weights
// non-finite; graft train stops with exit 1, code non_finite, naming the step and the variable
// (or "loss"), before any save — the last good checkpoint stays the latest, with its files, and
// holds only finite values. --no-nan-check turns the check off (TF's fail_on_nan_loss=False).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBundle } from '../../src/formats/tf-bundle/index.js';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;
const graft = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', timeout: 300_000 });
const BASE = ['train', '--model', 'mnist-cnn', '--model-config', '{"conv1Filters":4,"conv2Filters":8,"fcUnits":16}', '--digits', '0,1,2',
  '--train-limit', '96', '--test-limit', '30', '--batch-size', '24', '--epochs', '20', '--log-every', '0', '--json'];

const latestIn = (dir: string) => /^model_checkpoint_path: "(.*)"$/m.exec(readFileSync(join(dir, 'checkpoint'), 'utf8'))![1]!;

/** Checks every float32 tensor of a checkpoint is finite; returns how many were checked. */
async function allFinite(prefix: string): Promise<number> {
  const r = await openBundle(prefix);
  let n = 0;
  try {
    for (const info of r.list()) {
      if (info.dtype !== 'float32') continue;
      const t = await r.read(info.name);
      for (const x of new Float32Array(t.data.slice().buffer)) assert.ok(Number.isFinite(x), `${info.name} holds ${x}`);
      n++;
    }
  } finally {
    await r.close();
  }
  return n;
}

test('graft train driven to NaN: exit 1 non_finite before any save, the last good checkpoint stays latest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-train-nan-'));
  const dir2 = mkdtempSync(join(tmpdir(), 'graft-train-nan-off-'));
  try {
    const good = graft([...BASE, '--train-dir', dir, '--max-steps', '4', '--learning-rate', '0.003']);
    assert.equal(good.status, 0, good.stderr);
    const goodLatest = latestIn(dir);
    assert.match(goodLatest, /model\.ckpt-4$/);
    // every run appends its own TensorBoard event file (the diverging loss is worth seeing); checkpoints are what must not change
    const checkpointFiles = () => readdirSync(dir).filter((f) => !f.startsWith('events.out.tfevents.')).sort();
    const filesBefore = checkpointFiles();

    // Saves every 2 steps. At 1e30 the conv weights go NaN while the loss stays finite (relu
    // masks them), so the check of the variables before the save stops it.
    const v = graft([...BASE, '--train-dir', dir, '--max-steps', '40', '--learning-rate', '1e30', '--eval-every', '2']);
    assert.equal(v.status, 1, v.stderr);
    const err = JSON.parse(v.stdout).error;
    assert.equal(err.code, 'non_finite');
    assert.equal(err.details.step, 6, 'the first save point after the resume at step 4');
    assert.match(err.message, /^training diverged at step 6: variable [\w/]+ holds (NaN|-?Infinity) \(element \d+; \d+ non-finite\); stopped before saving/);
    assert.match(v.stderr, /hint: lower the learning rate/);

    // At 1e38 the logits overflow: the loss check of the step stops it.
    const l = graft([...BASE, '--train-dir', dir, '--max-steps', '40', '--learning-rate', '1e38']);
    assert.equal(l.status, 1, l.stderr);
    const lerr = JSON.parse(l.stdout).error;
    assert.equal(lerr.code, 'non_finite');
    assert.equal(lerr.details.variable, 'loss');
    assert.equal(lerr.details.step, 6, 'step 5 (the first after the resume) reads a finite loss and moves the weights; step 6 reads Infinity');

    assert.equal(latestIn(dir), goodLatest, 'the state file still names the last good checkpoint');
    assert.deepEqual(checkpointFiles(), filesBefore, 'no checkpoint file written, nothing deleted');
    assert.ok((await allFinite(join(dir, 'model.ckpt-4'))) > 10, 'the latest checkpoint holds only finite values');

    // Opt-out: the diverged weights are saved and the run succeeds.
    const off = graft([...BASE, '--train-dir', dir2, '--max-steps', '6', '--learning-rate', '1e30', '--no-nan-check']);
    assert.equal(off.status, 0, off.stderr);
    await assert.rejects(allFinite(JSON.parse(off.stdout).latestCheckpoint), /holds NaN/, 'with the check off the diverged weights were saved');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dir2, { recursive: true, force: true });
  }
});
