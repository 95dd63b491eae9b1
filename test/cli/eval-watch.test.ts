// `graft eval --watch DIR`: TF's continuous-evaluation loop through the CLI. A watcher process
// starts on a directory that does not exist yet; a trainer process writes checkpoints into it in
// two runs; the watcher evaluates each new checkpoint as it lands and stops after the final one
// (--max-steps, Estimator's evaluator rule), printing one JSON document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;
const graft = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', timeout: 300_000 });
const TRAIN = ['train', '--model', 'mnist-cnn', '--train-limit', '256', '--test-limit', '50', '--batch-size', '32', '--eval-every', '8', '--json'];

test('graft eval --watch evaluates checkpoints while graft train writes them, and stops at --max-steps', async () => {
  const root = mkdtempSync(join(tmpdir(), 'graft-cli-watch-'));
  const dir = join(root, 'run');
  try {
    const watcher = spawn(bin, ['eval', '--watch', dir, '--max-steps', '24', '--timeout', '240', '--poll-secs', '0.1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    watcher.stdout.on('data', (d) => (stdout += d));
    const sawStep8 = new Promise<void>((resolve) => watcher.stderr.on('data', (d) => {
      stderr += d;
      if (/step 8: /.test(stderr)) resolve();
    }));
    const exited = new Promise<number | null>((resolve) => watcher.on('exit', (code) => resolve(code)));

    const first = graft([...TRAIN, '--max-steps', '8', '--train-dir', dir]);
    assert.equal(first.status, 0, first.stderr);
    await sawStep8; // the watcher evaluated the first run's checkpoint before the second run starts
    const second = graft([...TRAIN, '--epochs', '3', '--max-steps', '24', '--train-dir', dir]);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(await exited, 0, stderr);

    const report = JSON.parse(stdout);
    assert.equal(report.stoppedBecause, 'max_steps');
    const steps: number[] = report.evaluations.map((e: { globalStep: number }) => e.globalStep);
    assert.equal(steps[0], 8);
    assert.equal(steps[steps.length - 1], 24);
    assert.deepEqual([...steps].sort((a, b) => a - b), steps, 'in order, each once');
    assert.equal(new Set(steps).size, steps.length);
    const last = report.evaluations[report.evaluations.length - 1];
    assert.equal(last.checkpoint, join(dir, 'model.ckpt-24'));
    assert.equal(last.accuracy, JSON.parse(second.stdout).finalAccuracy, 'the watcher saw what the trainer evaluated at its end');

    // on a finished directory: the latest is evaluated once, then the time-out ends the loop
    const done = graft(['eval', '--watch', dir, '--timeout', '0.5', '--poll-secs', '0.1', '--json']);
    assert.equal(done.status, 0, done.stderr);
    const r2 = JSON.parse(done.stdout);
    assert.equal(r2.stoppedBecause, 'timeout');
    assert.deepEqual(r2.evaluations.map((e: { globalStep: number }) => e.globalStep), [24]);

    const bad = graft(['eval', '--checkpoint', dir, '--timeout', '5']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--timeout goes with --watch DIR/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
