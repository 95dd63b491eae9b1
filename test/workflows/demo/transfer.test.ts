import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/runtime/backend.js';
import { transferScenario } from '../../../src/workflows/demo/index.js';
import { TINY, workDir } from './tiny.js';

test('transfer three ways (article 002): digits 0–4 → 5–9, body untouched, features = freeze, finetune best', async () => {
  await initBackend();
  const w = workDir();
  try {
    const r = await transferScenario(w.dir, TINY);
    for (const [k, ok] of Object.entries(r.checks)) assert.ok(ok, k);
    const modes = (r.data as { modes: { mode: string; accuracy: number; epochSeconds: number }[] }).modes;
    const by = Object.fromEntries(modes.map((m) => [m.mode, m]));
    assert.ok(by.finetune!.accuracy > 0.6, `finetune ${by.finetune!.accuracy} well above chance (0.2)`);
    assert.ok(by.features!.accuracy > 0.3, `features ${by.features!.accuracy} above chance (0.2)`);
    assert.ok(Math.abs(by.features!.accuracy - by.freeze!.accuracy) <= 0.005, 'same math, same seed → same accuracy (within 0.5 points: batch sizes differ in the body pass)');
  } finally {
    w.done();
  }
});
