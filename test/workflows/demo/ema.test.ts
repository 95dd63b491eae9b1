import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/runtime/backend.js';
import { emaScenario } from '../../../src/workflows/demo/index.js';
import { TINY, workDir } from './tiny.js';

test('MNIST with LR decay and EMA (article 001): raw and EMA evaluated from .meta.json, partial save by other names', async () => {
  await initBackend();
  const w = workDir();
  try {
    const r = await emaScenario(w.dir, TINY);
    for (const [k, ok] of Object.entries(r.checks)) assert.ok(ok, k);
    const d = r.data as { raw: number; ema: number; steps: number; partKeys: string[] };
    assert.ok(d.raw > 0.5 && d.ema > 0.5, `raw ${d.raw} / EMA ${d.ema} well above chance (0.1)`);
    assert.notEqual(d.raw, d.ema, 'the averages are different weights');
    assert.equal(d.steps, 2 * Math.ceil(500 / 32));
    assert.deepEqual(d.partKeys, ['v1', 'v2']);
    const lr = r.section.charts![1]!.series[0]!.points;
    assert.ok(Math.abs(lr[0]![1] - 0.01) < 1e-9 && Math.abs(lr[lr.length - 1]![1] - 0.01 * 0.9 ** Math.floor((d.steps - 1) / 10)) < 1e-8, 'staircase decay values');
  } finally {
    w.done();
  }
});
