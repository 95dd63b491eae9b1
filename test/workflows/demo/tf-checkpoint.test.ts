import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/runtime/backend.js';
import { tfCheckpointScenario } from '../../../src/workflows/demo/index.js';
import { TINY, workDir } from './tiny.js';

before(async () => {
  await initBackend();
});

test('tf-checkpoint scenario: TF\'s Estimator checkpoint in a tfjs-layers model, the plan reported, 98.84% on the 10,000 test digits', async () => {
  const w = workDir();
  try {
    const r = await tfCheckpointScenario(w.dir, TINY);
    assert.ok(Object.values(r.checks).every(Boolean), JSON.stringify(r.checks));
    assert.equal(r.accuracy, 0.9884, 'the same figure test/checkpoint/tf-fixtures.test.ts measures with a hand-built ParameterSet');
    assert.equal(r.data.testDigits, 10000);
    assert.match(r.section.preformatted!, /restore plan: .*model\.ckpt-20000 \(tf-bundle\), 6 variables/);
    assert.match(r.section.preformatted!, /unused_in_checkpoint \(15\)/);
    assert.ok(r.section.tables![0]!.rows.some((row) => row[0] === 'dense/kernel' && row[1] === 'restored'));
  } finally {
    w.done();
  }
});
