import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/runtime/backend.js';
import { layersFitScenario } from '../../../src/workflows/demo/index.js';
import { TINY, workDir } from './tiny.js';

test('layers-fit scenario: tf.sequential + model.fit + Graft callbacks, stopped and resumed bit-identically, EMA vs raw, early stopping', async () => {
  await initBackend();
  const w = workDir();
  try {
    const r = await layersFitScenario(w.dir, TINY);
    for (const [k, ok] of Object.entries(r.checks)) assert.ok(ok, k);
    const d = r.data as { epochs: number; stopAt: number; epochsRun: number; stoppedEpoch: number | null; identical: Record<string, boolean>; finalRaw: number; finalEma: number; tensorBoardFiles: number; emaAcrossRun: { evaluations: number } };
    assert.deepEqual(d.identical, { weights: true, optimizer: true, shadows: true });
    assert.equal(d.epochs, 3);
    assert.equal(d.stopAt, 1);
    assert.ok(d.epochsRun > d.epochs && d.epochsRun <= TINY.maxEpochs + 2, `ran ${d.epochsRun} epochs`);
    assert.equal(d.stoppedEpoch, d.epochsRun - 1, 'early stopping ended the continued run');
    assert.ok(d.finalRaw > 0.7 && d.finalEma > 0.7, `raw ${d.finalRaw} / EMA ${d.finalEma} well above chance`);
    assert.ok(d.tensorBoardFiles >= 4, 'train and validation event files of both fit calls');
    assert.ok(d.emaAcrossRun.evaluations >= 4);
    const [acc, loss] = r.section.charts!;
    assert.equal(acc!.series.length, 2);
    assert.deepEqual(loss!.series[0]!.points.slice(0, d.epochs), loss!.series[1]!.points, 'the resumed run\'s val_loss curve lies on the run-through\'s');
    assert.match(r.vsBaseline, /bit for bit/);
  } finally {
    w.done();
  }
});
