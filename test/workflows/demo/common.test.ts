import { test } from 'node:test';
import type { TimeToTargetReport } from '../../../src/workflows/time-to-target.js';
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
    const t = (r.data as { scratch: number; timeToTarget: TimeToTargetReport }).timeToTarget;
    assert.equal(t.targetAccuracy, (r.data as { scratch: number }).scratch);
    assert.ok(t.stepsToTarget !== null, 'the transferred run reaches the from-scratch run\'s final accuracy');
    assert.equal(t.replayMatches, t.stepsToTarget === 0 ? null : true, 'the replay ends at the probe\'s accuracy');
    assert.ok(t.stepRatio! < 1, `steps to target ${t.stepsToTarget} of the scratch run's (step ratio ${t.stepRatio}); the time ratio is a measurement, not asserted`);
  } finally {
    w.done();
  }
});
