import { test } from 'node:test';
import type { TimeToTargetReport } from '../../../src/workflows/time-to-target.js';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/runtime/backend.js';
import { classesScenario } from '../../../src/workflows/demo/index.js';
import { TINY, workDir } from './tiny.js';

test('classes change (article 004) on BANKING77: kept rows moved, merged from sources, new fresh, removed dropped', async () => {
  await initBackend();
  const w = workDir();
  try {
    const r = await classesScenario(w.dir, { ...TINY, epochs: 1, maxEpochs: 3 });
    for (const [k, ok] of Object.entries(r.checks)) assert.ok(ok, k);
    const d = r.data as { changed: number; plan: Record<string, number> };
    assert.deepEqual(d.plan, { moved: 3, merged: 1, new: 2, removed: 1, merged_away: 2 });
    assert.ok(d.changed > 1 / 6 + 0.15, `after the change ${d.changed} above chance (1/6) by a margin`);
    // time to target, measured as bench/class-change does: scratch's final accuracy is the target
    const t = (r.data as { scratch: number; timeToTarget: TimeToTargetReport }).timeToTarget;
    assert.equal(t.targetAccuracy, (r.data as { scratch: number }).scratch);
    assert.equal(t.curve[0]![0], 0, 'the probe evaluates the restored model before its first step');
    if (t.stepsToTarget !== null) {
      assert.notEqual(t.replayMatches, false, 'the replay ends at the probe\'s accuracy');
      assert.ok(t.ratio !== null && t.ratio > 0 && Number.isFinite(t.ratio));
      assert.match(r.vsBaseline, /% of the scratch time to scratch's final accuracy/);
    } else assert.match(r.vsBaseline, /did not reach/);
  } finally {
    w.done();
  }
});
