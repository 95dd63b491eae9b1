import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;
const graft = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', timeout: 300_000 });

test('graft transfer --mode features: warm start without Logits, features saved as safetensors and reused, then resume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-transfer-'));
  try {
    const base = join(dir, 'base');
    assert.equal(graft(['train', '--model', 'mnist-cnn', '--digits', '0,1,2,3,4', '--train-limit', '400', '--test-limit', '100', '--train-dir', base, '--epochs', '2']).status, 0);
    const out = join(dir, 'features');
    const args = ['transfer', '--mode', 'features', '--from', base, '--digits', '5,6,7,8,9', '--train-limit', '300', '--test-limit', '150',
      '--checkpoint_exclude_scopes', 'Logits', '--trainable-scopes', 'Logits', '--train-dir', out, '--epochs', '8', '--learning-rate', '0.01', '--json'];
    const a = graft(args);
    assert.equal(a.status, 0, a.stderr);
    const r1 = JSON.parse(a.stdout);
    assert.equal(r1.start.action, 'warm-started');
    assert.equal(r1.start.summary.restored, 6);
    assert.deepEqual(r1.trainedVariables, ['Logits/weights', 'Logits/biases']);
    assert.equal(r1.headStep, 'linear', 'only the head trains: the affine head step with its gradient written out');
    assert.equal(r1.frozenChecksum.unchanged, true);
    assert.equal(r1.features.reused, false);
    assert.ok(existsSync(join(out, 'features.safetensors')));
    assert.ok(r1.accuracy > 0.35, `accuracy ${r1.accuracy} above chance (0.2) by a margin`);
    const b = graft(args);
    assert.equal(b.status, 0, b.stderr);
    const r2 = JSON.parse(b.stdout);
    assert.equal(r2.start.action, 'resumed');
    assert.equal(r2.features.reused, true);
    const bad = graft(['transfer', '--mode', 'magic', '--from', base]);
    assert.equal(bad.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
