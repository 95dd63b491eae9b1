// transferCommon on real LayersModels and real files, in all three match modes, values checked per
// role (kernel, bias, gamma, beta, moving_mean, moving_variance, embeddings, recurrent_kernel):
// between two trained LayersModels (BatchNorm CNN sequential → functional, Embedding+LSTM), from a
// Keras-written TF2 SavedModel bundle with BatchNorm, and from Keras 3 files whose BatchNorm roles
// are checked against the sha256 Keras itself wrote (keras-variables.json) — plus the ambiguous
// BatchNorm of a config-less .weights.h5 refused with its reason, and frozen layers untouched by fit.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { transferCommon } from '../../src/workflows/transfer-common.js';
import { loadVariable } from '../../src/checkpoint/reader.js';
import { parametersFromLayersModel } from '../../src/variables/index.js';
import { bankingTensors, bytesOf, functionalCnn, mnistCnn, mnistTensors, sameBytes, setupBackend, snapshot, textLstm } from '../layers/helpers.js';

const FIX = new URL('../../../test/fixtures/', import.meta.url).pathname;
const MODES = ['name', 'structure', 'shape'] as const;
const BN = ['gamma', 'beta', 'moving_mean', 'moving_variance'];

before(async () => {
  await setupBackend();
});

test('between two LayersModels (trained BatchNorm CNN → functional CNN with a 5-class head), all three modes, every role; frozen bytes survive fit', async () => {
  const { x, y } = await mnistTensors(160, 3);
  const src = mnistCnn(3);
  src.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  await src.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  const ps = parametersFromLayersModel(src);
  // trained: every BN role holds distinct values, so a swap cannot go unseen
  for (let i = 0; i < BN.length; i++) for (let j = i + 1; j < BN.length; j++) assert.ok(!sameBytes(ps.require(`batch_normalization/${BN[i]}`).variable, ps.require(`batch_normalization/${BN[j]}`).variable));
  for (const match of MODES) {
    const dst = functionalCnn(7, 5);
    const pd = parametersFromLayersModel(dst);
    const head = bytesOf(pd.require('logits/kernel').variable);
    const r = await transferCommon(ps, pd, { match, freeze: true });
    assert.deepEqual(r.pairings.map((p) => p.destination), ['conv2d', 'batch_normalization', 'dense'], match);
    for (const name of ['conv2d/kernel', 'conv2d/bias', ...BN.map((b) => `batch_normalization/${b}`), 'dense/kernel', 'dense/bias']) {
      assert.ok(sameBytes(pd.require(name).variable, ps.require(name).variable), `${match}: ${name}`);
    }
    assert.deepEqual(bytesOf(pd.require('logits/kernel').variable), head, `${match}: head left alone`);
    if (match === 'shape') {
      // the frozen layers (BatchNorm in inference mode) keep their bytes through model.fit; the head trains
      const before = snapshot(dst);
      dst.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const y5 = tf.oneHot(tf.argMax(y, -1).mod(5).toInt(), 5).toFloat();
      await dst.fit(x, y5, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
      const after = snapshot(dst);
      for (const [k, v] of before) {
        const frozen = !k.includes('logits');
        assert.equal(Buffer.compare(Buffer.from(v), Buffer.from(after.get(k)!)) === 0, frozen, `${k} ${frozen ? 'unchanged' : 'trained'}`);
      }
      y5.dispose();
    }
    dst.dispose();
  }
  tf.dispose([x, y]);
  src.dispose();
});

test('between two Embedding + LSTM models (BANKING77-trained → one with a hidden layer), all three modes, embeddings and LSTM roles', async () => {
  const { x, y, vocabSize } = await bankingTensors(96, 5);
  const src = textLstm(vocabSize, 5, 11);
  src.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
  await src.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  const ps = parametersFromLayersModel(src);
  for (const match of MODES) {
    const dst = textLstm(vocabSize, 3, 21, 12, { hidden: 8 });
    const pd = parametersFromLayersModel(dst);
    const r = await transferCommon(ps, pd, { match });
    assert.deepEqual(r.pairings.map((p) => p.destination), ['embedding', 'lstm/lstm_cell'], match);
    for (const name of ['embedding/embeddings', 'lstm/lstm_cell/kernel', 'lstm/lstm_cell/recurrent_kernel', 'lstm/lstm_cell/bias']) {
      assert.ok(sameBytes(pd.require(name).variable, ps.require(name).variable), `${match}: ${name}`);
    }
    dst.dispose();
  }
  tf.dispose([x, y]);
  src.dispose();
});

/** The Keras CNN of savedmodel/mnist-keras-cnn-bn, in tfjs, with a new 5-class head. */
function bnCnn(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tfl.layers.batchNormalization(),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.batchNormalization(),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.batchNormalization(),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 128, activation: 'relu' }),
      tfl.layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
}

for (const match of MODES) {
  test(`from a Keras-written TF2 SavedModel bundle with BatchNorm (match: ${match}): layer_with_weights-N keys, every role`, async () => {
    const path = `${FIX}savedmodel/mnist-keras-cnn-bn/variables/variables`;
    const m = bnCnn();
    const p = parametersFromLayersModel(m);
    const r = await transferCommon(path, p, { match });
    assert.deepEqual(r.pairings.map((x) => x.destination), ['conv2d', 'batch_normalization', 'conv2d_1', 'batch_normalization_1', 'conv2d_2', 'batch_normalization_2', 'dense']);
    assert.ok(r.notes.some((n) => /TF2 object-graph keys read as their variable paths/.test(n)));
    const roles: [number, string, string][] = [[0, 'conv2d', 'kernel'], [0, 'conv2d', 'bias'], ...BN.map((b) => [1, 'batch_normalization', b] as [number, string, string]), ...BN.map((b) => [5, 'batch_normalization_2', b] as [number, string, string]), [6, 'dense', 'kernel']];
    for (const [i, layer, role] of roles) {
      const want = await loadVariable(path, `layer_with_weights-${i}/${role}/.ATTRIBUTES/VARIABLE_VALUE`);
      assert.deepEqual(bytesOf(p.require(`${layer}/${role}`).variable), new Uint8Array(want.data), `${layer}/${role}`);
    }
    m.dispose();
  });
}

/** The zoo's image branch in tfjs: conv (no bias) → bn → bn_noc (center=False) → a new head. */
function zooImageBranch(): tfl.LayersModel {
  const img = tfl.input({ shape: [8, 8, 3] });
  let h = tfl.layers.conv2d({ filters: 4, kernelSize: 3, useBias: false, name: 'conv' }).apply(img) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization({ name: 'bn' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization({ center: false, name: 'bn_noc' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.globalAveragePooling2d({}).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: img, outputs: tfl.layers.dense({ units: 3, name: 'new_head' }).apply(h) as tfl.SymbolicTensor });
}

async function kerasSha(): Promise<Map<string, string>> {
  const j = JSON.parse(await readFile(`${FIX}keras3/written-here-keras3151-zoo/keras-variables.json`, 'utf8')) as { layers: { variables: [string, string, number[], string][] }[] };
  return new Map(j.layers.flatMap((l) => l.variables.map((v) => [v[0], v[3]] as const)));
}
const sha = (v: tf.Tensor) => createHash('sha256').update(bytesOf(v)).digest('hex');

for (const match of MODES) {
  test(`from a Keras 3.15 .keras (match: ${match}): conv, bn and bn_noc roles equal Keras' own sha256`, async () => {
    const truth = await kerasSha();
    const m = zooImageBranch();
    const p = parametersFromLayersModel(m);
    const r = await transferCommon(`${FIX}keras3/written-here-keras3151-zoo/zoo.keras`, p, { match });
    assert.deepEqual(r.pairings.map((x) => x.destination), ['conv', 'bn', 'bn_noc']);
    for (const name of ['conv/kernel', ...BN.map((b) => `bn/${b}`), 'bn_noc/gamma', 'bn_noc/moving_mean', 'bn_noc/moving_variance']) {
      assert.equal(sha(p.require(name).variable), truth.get(name), name);
    }
    m.dispose();
  });
}

test('from a config-less Keras 3 .weights.h5 (shape): bn pairs by role; bn_noc (3 same-shaped vars, no names) is refused with its reason', async () => {
  const truth = await kerasSha();
  const m = zooImageBranch();
  const p = parametersFromLayersModel(m);
  const before = bytesOf(p.require('bn_noc/gamma').variable);
  const r = await transferCommon(`${FIX}keras3/written-here-keras3151-zoo/zoo.weights.h5`, p, { match: 'shape' });
  assert.deepEqual(r.pairings.map((x) => x.destination), ['conv', 'bn']);
  for (const b of BN) assert.equal(sha(p.require(`bn/${b}`).variable), truth.get(`bn/${b}`), `bn/${b}`);
  const left = r.leftAlone.find((l) => l.name === 'bn_noc/gamma')!;
  assert.match(left.reason, /ambiguous pairing refused: 3 source variables of batch_normalization_1\/vars have shape \[4\] \(0, 1, 2\)/);
  assert.deepEqual(bytesOf(p.require('bn_noc/gamma').variable), before, 'nothing guessed');
  m.dispose();
});
