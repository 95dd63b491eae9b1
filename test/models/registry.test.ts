import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { allModels, buildModel, getModel } from '../../src/models/index.js';
import type { ClassifierModel, ModelInputs } from '../../src/models/index.js';
import { inScope } from '../../src/variables/parameter-set.js';
import { GraftError } from '../../src/errors.js';

function sampleInputs(m: ClassifierModel, batch: number): ModelInputs {
  if (m.inputKind === 'image') {
    const n = batch * m.inputShape.reduce((a, b) => a * b, 1);
    return { x: tf.tensor(Float32Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 101), [batch, ...m.inputShape]) };
  }
  const vocab = Number(m.config.vocabSize ?? 10);
  const n = batch * m.inputShape[0]!;
  const len = m.inputShape[0]!;
  return { x: tf.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % vocab), [batch, len], 'int32'), lengths: tf.tensor1d(Array(batch).fill(len), 'int32') };
}

test('contract over every built-in model: head and first layer exist, shapes agree, new head keeps the feature width', async () => {
  await initBackend();
  assert.ok(allModels().length >= 3);
  for (const def of allModels()) {
    const m = def.build({ numClasses: 7 });
    const names = m.params.names();
    assert.deepEqual(m.headScopes, def.headScopes, `${def.name}: declared head scopes`);
    const head = names.filter((n) => m.headScopes.some((s) => inScope(n, s)));
    assert.ok(head.length >= 2, `${def.name}: head variables exist under ${m.headScopes}`);
    assert.ok(names.includes(m.headWeights) && names.includes(m.headBiases), `${def.name}: head weights/biases named`);
    assert.deepEqual(m.params.require(m.headWeights).variable.shape, [m.featureWidth, 7]);
    assert.deepEqual(m.params.require(m.headBiases).variable.shape, [7]);
    assert.ok(names.some((n) => inScope(n, m.firstLayerScope)), `${def.name}: first layer ${m.firstLayerScope} exists`);
    assert.equal(names.indexOf(names.find((n) => inScope(n, m.firstLayerScope))!), 0, `${def.name}: first layer is created first`);
    assert.ok(!names.some((n) => n === 'global_step' || /\/Adam/.test(n)), `${def.name}: only model variables`);

    const inputs = sampleInputs(m, 3);
    const feats = m.features(inputs);
    assert.deepEqual(feats.shape, [3, m.featureWidth]);
    const logits = m.logits(inputs);
    assert.deepEqual(logits.shape, [3, 7]);

    const m2 = m.withNewHead(4);
    assert.equal(m2.featureWidth, m.featureWidth, `${def.name}: replacing the head keeps the feature width`);
    assert.deepEqual(m2.params.require(m2.headWeights).variable.shape, [m.featureWidth, 4]);
    assert.deepEqual(m2.logits(inputs).shape, [3, 4]);
    for (const n of names) {
      if (m.headScopes.some((s) => inScope(n, s))) continue;
      assert.equal(m2.params.require(n).variable, m.params.require(n).variable, `${def.name}: ${n} shared with the new-head model`);
    }
    const feats2 = m2.features(inputs);
    assert.deepEqual(feats2.dataSync(), feats.dataSync());
    tf.dispose([feats, feats2, logits, inputs.x, ...(inputs.lengths ? [inputs.lengths] : [])]);
  }
});

test('the same config builds the same initial values (seeded)', async () => {
  await initBackend();
  const a = buildModel('mnist-cnn', { seed: 5 });
  const b = buildModel('mnist-cnn', { seed: 5 });
  const c = buildModel('mnist-cnn', { seed: 6 });
  assert.deepEqual(a.params.require('conv1/weights').variable.dataSync(), b.params.require('conv1/weights').variable.dataSync());
  assert.notDeepEqual(a.params.require('conv1/weights').variable.dataSync(), c.params.require('conv1/weights').variable.dataSync());
  assert.deepEqual(a.params.names(), ['conv1/weights', 'conv1/biases', 'conv2/weights', 'conv2/biases', 'fc1/weights', 'fc1/biases', 'Logits/weights', 'Logits/biases']);
});

test('unknown model names and bad configs are typed errors', () => {
  assert.throws(() => getModel('resnet9000'), (e: unknown) => e instanceof GraftError && e.code === 'unknown_model' && /mnist-cnn/.test(e.hint ?? ''));
  assert.throws(() => buildModel('mnist-cnn', { fcUnits: 0 }), (e: unknown) => e instanceof GraftError && e.code === 'bad_model_config');
});
