import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;
const graft = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', timeout: 300_000 });

test('graft eval rebuilds the model from .meta.json; raw and EMA; a partial checkpoint needs its other part', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-eval-'));
  try {
    const full = join(dir, 'full');
    const t = graft(['train', '--model', 'mnist-cnn', '--train-limit', '256', '--test-limit', '100', '--train-dir', full, '--moving-average-decay', '0.9', '--json']);
    assert.equal(t.status, 0, t.stderr);
    const trained = JSON.parse(t.stdout);
    const e = graft(['eval', '--checkpoint', full, '--both', '--json']);
    assert.equal(e.status, 0, e.stderr);
    const ev = JSON.parse(e.stdout);
    assert.equal(ev.rawAccuracy, trained.finalAccuracy);
    assert.equal(ev.emaAccuracy, trained.finalEmaAccuracy);
    assert.equal(ev.model, 'mnist-cnn');
    const ema = JSON.parse(graft(['eval', '--checkpoint_path', trained.latestCheckpoint, '--ema', '--json']).stdout);
    assert.equal(ema.weights, 'ema');
    assert.equal(ema.accuracy, trained.finalEmaAccuracy);
    assert.ok(ema.restored[0].summary.renamed >= 8, 'trainable variables loaded from their …/ExponentialMovingAverage');

    // a model saved in two parts
    const part = join(dir, 'head');
    assert.equal(graft(['train', '--model', 'mnist-cnn', '--train-limit', '64', '--test-limit', '50', '--restore', `${full}:conv,fc1`, '--freeze-restored', '--save-scope', 'Logits', '--train-dir', part]).status, 0);
    const bad = graft(['eval', '--checkpoint', part, '--json']);
    assert.equal(bad.status, 1);
    assert.equal(JSON.parse(bad.stdout).error.code, 'not_all_restored');
    const ok = graft(['eval', '--checkpoint', part, '--restore', `${full}:conv,fc1`, '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).restored.map((r: { summary: { restored: number } }) => r.summary.restored), [2, 6]);
    const none = graft(['eval', '--checkpoint', join(dir, 'nothing')]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /code: checkpoint_not_found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
