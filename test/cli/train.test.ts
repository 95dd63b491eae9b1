import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;
const graft = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', timeout: 300_000 });

test('graft train with TF-slim spellings: decay, EMA, checkpoint + .meta.json with labels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-train-'));
  try {
    const r = graft(['train', '--model', 'mnist-cnn', '--digits', '0,1,2', '--train-limit', '192', '--test-limit', '90',
      '--train_dir', dir, '--learning_rate', '0.01', '--learning_rate_decay_type', 'exponential', '--decay-steps', '2', '--learning_rate_decay_factor', '0.5', '--staircase',
      '--moving_average_decay', '0.9', '--trainable_scopes', 'fc1,Logits', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.globalStep, 6);
    assert.deepEqual(doc.trainedVariables, ['fc1/weights', 'fc1/biases', 'Logits/weights', 'Logits/biases']);
    assert.equal(doc.frozenChecksum.unchanged, true);
    assert.ok(doc.finalAccuracy > 0.5, `accuracy ${doc.finalAccuracy} above chance (1/3)`);
    assert.equal(typeof doc.finalEmaAccuracy, 'number');
    assert.deepEqual(doc.fit.history.map((h: { learningRate: number }) => h.learningRate), [0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025].map(Math.fround), 'float32 staircase values');
    const meta = JSON.parse(readFileSync(`${doc.latestCheckpoint}.meta.json`, 'utf8'));
    assert.deepEqual(meta.labels, ['0', '1', '2']);
    assert.equal(meta.model.name, 'mnist-cnn');
    assert.ok(meta.variables.some((v: { name: string }) => v.name === 'fc1/weights/ExponentialMovingAverage'));
    assert.ok(existsSync(join(dir, 'best', 'checkpoint')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('graft train: bad flag values are usage errors (exit 2); an unknown model is a user error (exit 1)', () => {
  const a = graft(['train', '--lr-decay', 'linear', '--decay-steps', '1', '--decay-rate', '0.5']);
  assert.equal(a.status, 2);
  assert.match(a.stderr, /--lr-decay linear: expected one of fixed, exponential/);
  const b = graft(['train', '--model', 'resnet', '--json']);
  assert.equal(b.status, 1);
  assert.equal(JSON.parse(b.stdout).error.code, 'unknown_model');
  const c = graft(['train', '--merge', 'a,b=c']);
  assert.equal(c.status, 2);
  assert.match(c.stderr, /--classes-from/);
  const d = graft(['train', '--classes-from', 'runs/old', '--optimizer-state', 'keep']);
  assert.equal(d.status, 2);
  assert.match(d.stderr, /--optimizer-state keep: expected one of restore, fresh/);
  const e = graft(['train', '--new-class-init', 'fresh']);
  assert.equal(e.status, 2);
  assert.match(e.stderr, /--new-class-init does nothing without --classes-from/);
  const w = graft(['train', '--warmup-steps', '0']);
  assert.equal(w.status, 2);
  assert.match(w.stderr, /--warmup-steps "0": expected an integer ≥ 1/);
  const m = graft(['train', '--min-steps', '100']);
  assert.equal(m.status, 2);
  assert.match(m.stderr, /--min-steps does nothing without --stop-if-no-increase/);
});

test('graft train --stop-if-no-increase: TF\'s early-stopping rule ends training and the report says where', () => {
  const r = graft(['train', '--model', 'mnist-cnn', '--model-config', '{"conv1Filters":4,"conv2Filters":8,"fcUnits":32}', '--digits', '0,1,2', '--train-limit', '300', '--test-limit', '150',
    '--epochs', '40', '--eval-every', '5', '--stop-if-no-increase', '30', '--min-steps', '20', '--learning-rate', '0.003', '--log-every', '0']);
  assert.equal(r.status, 0, r.stderr);
  const m = /trained \d+ variables; (\d+) steps/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) < 400, `stopped before the 400-step budget: ${r.stdout}`);
  assert.match(r.stdout, new RegExp(`early stopping: stopped at step ${m[1]}, no increase since step \\d+ \\(accuracy \\d+\\.\\d%\\)`));
});

test('graft train --checkpoint-format safetensors: checkpoints are .safetensors, graft eval and resume read them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-train-st-'));
  try {
    const args = ['train', '--model', 'mnist-cnn', '--digits', '0,1', '--train-limit', '96', '--test-limit', '40', '--train-dir', dir, '--checkpoint-format', 'safetensors', '--learning-rate', '0.01', '--log-every', '0', '--json'];
    const r = graft(args);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.match(doc.latestCheckpoint, /model\.ckpt-3\.safetensors$/);
    assert.match(doc.bestCheckpoint, /best\/model\.ckpt-3\.safetensors$/);
    const e = graft(['eval', '--checkpoint', dir, '--json']);
    assert.equal(e.status, 0, e.stderr);
    assert.equal(JSON.parse(e.stdout).accuracy, doc.finalAccuracy, 'eval rebuilds the model from the .safetensors checkpoint and its .meta.json');
    // inspect / diff / convert take the training directory itself: its latest, whatever its format.
    const ins = graft(['inspect', dir, '--json']);
    assert.equal(ins.status, 0, ins.stderr);
    assert.ok(JSON.parse(ins.stdout).tensors.some((t: { name: string }) => t.name === 'conv1/weights'));
    const dif = graft(['diff', dir, doc.latestCheckpoint, '--json']);
    assert.equal(dif.status, 0, dif.stderr);
    assert.equal(JSON.parse(dif.stdout).identical, true);
    const out = join(dir, 'copy.safetensors'); // beside the checkpoints: the state file still decides what DIR means
    const cnv = graft(['convert', dir, out, '--json']);
    assert.equal(cnv.status, 0, cnv.stderr);
    assert.ok(JSON.parse(cnv.stdout).written > 10);
    const same = graft(args);
    assert.equal(same.status, 0, same.stderr);
    assert.equal(JSON.parse(same.stdout).fit.steps, 0, '--epochs is a target: the one epoch asked for is done');
    const again = graft([...args, '--epochs', '2']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).start.action, 'resumed');
    assert.equal(JSON.parse(again.stdout).globalStep, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('graft train writes TensorBoard events into the train dir (loss, learning_rate per step, eval/accuracy); --no-tensorboard writes none', async () => {
  const { readEventFile } = await import('../../src/train/summary/event-reader.js');
  const { readdirSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-train-tb-'));
  const off = mkdtempSync(join(tmpdir(), 'graft-cli-train-tb-off-'));
  try {
    const args = ['train', '--model', 'mnist-cnn', '--model-config', '{"conv1Filters":4,"conv2Filters":8,"fcUnits":16}', '--digits', '0,1', '--train-limit', '96', '--test-limit', '40', '--learning-rate', '0.01', '--log-every', '0', '--json'];
    const r = graft([...args, '--train-dir', dir]);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.match(doc.tensorboard, /events\.out\.tfevents\.\d+\./);
    const events = await readEventFile(doc.tensorboard);
    const steps = (tag: string) => events.flatMap((e) => (e.summary?.value ?? []).filter((v) => v.tag === tag).map(() => e.step));
    assert.deepEqual(steps('loss'), [1, 2, 3]);
    assert.deepEqual(steps('learning_rate'), [1, 2, 3]);
    const acc = events.flatMap((e) => (e.summary?.value ?? []).filter((v) => v.tag === 'eval/accuracy').map((v) => v.simpleValue));
    assert.deepEqual(acc, [Math.fround(doc.finalAccuracy)]);
    const q = graft([...args, '--train-dir', off, '--no-tensorboard']);
    assert.equal(q.status, 0, q.stderr);
    assert.equal(JSON.parse(q.stdout).tensorboard, null);
    assert.ok(!readdirSync(off).some((f) => f.startsWith('events.out.tfevents.')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(off, { recursive: true, force: true });
  }
});
