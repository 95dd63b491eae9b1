// transferCommon on LayersModels: from a real Keras .h5 (test/fixtures/keras-h5/digits-cnn-weights-only)
// in all three match modes with values checked per role, and `shape` pairing inside a layer by
// role (BatchNorm gamma/beta never swapped on a sorted-key source), ambiguous pairings refused.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import { transferCommon } from '../../src/workflows/transfer-common.js';
import { matchCommonLayers } from '../../src/checkpoint/common-layers.js';
import { loadVariable } from '../../src/checkpoint/reader.js';
import { parametersFromLayersModel } from '../../src/variables/index.js';
import { bytesOf, setupBackend } from '../layers/helpers.js';

const H5 = new URL('../../../test/fixtures/keras-h5/digits-cnn-weights-only/model.h5', import.meta.url).pathname;

before(async () => {
  await setupBackend();
});

function digitsCnn(headUnits: number): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu', name: 'conv2d_2' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', name: 'conv2d_3' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 128, activation: 'relu', name: 'dense_2' }),
      tfl.layers.dense({ units: headUnits, activation: 'softmax', name: 'logits' }),
    ],
  });
}

for (const match of ['name', 'structure', 'shape'] as const) {
  test(`transferCommon from a Keras .h5 into a LayersModel with a new head (match: ${match}), values per role`, async () => {
    const m = digitsCnn(5);
    const p = parametersFromLayersModel(m);
    const head = bytesOf(p.require('logits/kernel').variable);
    const report = await transferCommon(H5, p, { match, freeze: true });
    assert.deepEqual(report.pairings.map((x) => `${x.source}→${x.destination}`), ['conv2d_2→conv2d_2', 'conv2d_3→conv2d_3', 'dense_2→dense_2']);
    for (const layer of ['conv2d_2', 'conv2d_3', 'dense_2']) {
      for (const role of ['kernel', 'bias']) {
        const want = await loadVariable(H5, `${layer}/${role}`);
        assert.deepEqual(bytesOf(p.require(`${layer}/${role}`).variable), new Uint8Array(want.data), `${layer}/${role}`);
      }
    }
    assert.deepEqual(bytesOf(p.require('logits/kernel').variable), head, 'the new head is left alone');
    assert.equal(m.getLayer('conv2d_2').trainable, false);
    assert.equal(m.getLayer('logits').trainable, true);
    m.dispose();
  });
}

test('shape matching pairs BatchNorm weights by role on a sorted-key source (beta never lands in gamma)', () => {
  const c = [8];
  const sorted = ['bn/beta', 'bn/gamma', 'bn/moving_mean', 'bn/moving_variance'].map((name) => ({ name, dtype: 'float32', shape: c }));
  const dst = ['batch_normalization/gamma', 'batch_normalization/beta', 'batch_normalization/moving_mean', 'batch_normalization/moving_variance'].map((name) => ({ name, dtype: 'float32', shape: c }));
  const m = matchCommonLayers(sorted, dst, 'shape', { sourceOrder: 'sorted' });
  assert.deepEqual(m.pairings[0]!.variables.map((v) => `${v.source}→${v.destination}`), [
    'bn/gamma→batch_normalization/gamma', 'bn/beta→batch_normalization/beta', 'bn/moving_mean→batch_normalization/moving_mean', 'bn/moving_variance→batch_normalization/moving_variance',
  ]);
  // same shapes, names without a role, no creation order: refused, with the reason in the report
  const anon = matchCommonLayers([{ name: 'x/p', dtype: 'float32', shape: c }, { name: 'x/q', dtype: 'float32', shape: c }], [{ name: 'y/a', dtype: 'float32', shape: c }, { name: 'y/b', dtype: 'float32', shape: c }], 'shape', { sourceOrder: 'sorted' });
  assert.equal(anon.pairings.length, 0);
  assert.match(anon.leftAlone.find((l) => l.name === 'y/a')!.reason, /ambiguous pairing refused: 2 source variables of x have shape \[8\] \(p, q\)/);
  // with a creation order the same layers pair in that order
  assert.equal(matchCommonLayers([{ name: 'x/p', dtype: 'float32', shape: c }, { name: 'x/q', dtype: 'float32', shape: c }], [{ name: 'y/a', dtype: 'float32', shape: c }, { name: 'y/b', dtype: 'float32', shape: c }], 'shape').pairings.length, 1);
});

test('transferCommon between two LayersModels with BatchNorm (shape): every role lands on its role', async () => {
  const make = (seed: number, name?: string) => tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [6], units: 4, kernelInitializer: tfl.initializers.glorotUniform({ seed }), ...(name ? { name } : {}) }),
      tfl.layers.batchNormalization({ gammaInitializer: tfl.initializers.randomUniform({ minval: 1, maxval: 2, seed }), betaInitializer: tfl.initializers.randomUniform({ minval: -1, maxval: 0, seed: seed + 1 }), movingMeanInitializer: tfl.initializers.randomUniform({ minval: 3, maxval: 4, seed: seed + 2 }), movingVarianceInitializer: tfl.initializers.randomUniform({ minval: 5, maxval: 6, seed: seed + 3 }) }),
    ],
  });
  const a = make(1);
  const b = make(2, 'encoder');
  const pa = parametersFromLayersModel(a);
  const pb = parametersFromLayersModel(b);
  const r = await transferCommon(pa, pb, { match: 'shape' });
  assert.equal(r.copied.length, 6);
  for (const role of ['gamma', 'beta', 'moving_mean', 'moving_variance']) {
    assert.deepEqual(bytesOf(pb.require(`batch_normalization/${role}`).variable), bytesOf(pa.require(`batch_normalization/${role}`).variable), role);
  }
  assert.deepEqual(bytesOf(pb.require('encoder/kernel').variable), bytesOf(pa.require('dense/kernel').variable));
  a.dispose();
  b.dispose();
});
