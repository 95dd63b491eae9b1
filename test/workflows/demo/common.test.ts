import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/runtime/backend.js';
import { commonScenario } from '../../../src/workflows/demo/index.js';
import { TINY, workDir } from './tiny.js';

test('automatic transfer of common layers (article 003) on BANKING77: embedding + LSTM found across prefixes', async () => {
  await initBackend();
  const w = workDir();
  try {
    const r = await commonScenario(w.dir, TINY);
    for (const [k, ok] of Object.entries(r.checks)) assert.ok(ok, k);
    const d = r.data as { transferred: number; pairings: string[][] };
    assert.deepEqual(d.pairings, [['IntentA/embedding', 'IntentB/embedding'], ['IntentA/lstm1/basic_lstm_cell', 'IntentB/lstm1/basic_lstm_cell']]);
    assert.ok(d.transferred > 1 / 6 + 0.15, `intent-b with transferred layers ${d.transferred} above chance (1/6) by a margin`);
  } finally {
    w.done();
  }
});
