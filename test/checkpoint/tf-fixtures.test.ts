import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/runtime/backend.js';
import { openCheckpoint } from '../../src/formats/index.js';
import {
  Saver, latestCheckpoint, planRestore, executeRestorePlan, emaVariablesToRestore, loadVariable, getCheckpointState,
} from '../../src/checkpoint/index.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { parametersFromLayersModel } from '../../src/variables/layers-adapter.js';
import { VariableStore } from '../../src/variables/store.js';
import { loadMnist } from '../../src/models/data/index.js';
import { fixture, tempDir, bytesOf } from './helpers.js';

before(async () => {
  await initBackend();
});

const HSBARKER = fixture('tf1-bundle/hsbarker-estimator-cnn-adam');

/** The Estimator CNN's variables, with TF1's names, created with zeros (TF1 tf.layers + Adam). */
function hsbarkerModel(): ParameterSet {
  const ps = new ParameterSet();
  const layers: [string, number[]][] = [
    ['conv2d/kernel', [5, 5, 1, 4]], ['conv2d/bias', [4]],
    ['conv2d_1/kernel', [5, 5, 4, 8]], ['conv2d_1/bias', [8]],
    ['dense/kernel', [392, 10]], ['dense/bias', [10]],
  ];
  for (const [name, shape] of layers) ps.add(name, newVariable(name, tf.zeros(shape)));
  for (const [name, shape] of layers) {
    for (const slot of ['Adam', 'Adam_1']) ps.add(`${name}/${slot}`, newVariable(`${name}/${slot}`, tf.zeros(shape), { trainable: false }), { trainable: false });
  }
  for (const n of ['beta1_power', 'beta2_power']) ps.add(n, newVariable(n, tf.scalar(0), { trainable: false }), { trainable: false });
  ps.add('global_step', newVariable('global_step', tf.scalar(0, 'int32'), { trainable: false }), { trainable: false, saveDtype: 'int64' });
  return ps;
}

function forward(ps: ParameterSet, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const v = (n: string) => ps.require(n).variable;
    let h = tf.relu(tf.add(tf.conv2d(x, v('conv2d/kernel') as tf.Tensor4D, 1, 'same'), v('conv2d/bias')));
    h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'same');
    h = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, v('conv2d_1/kernel') as tf.Tensor4D, 1, 'same'), v('conv2d_1/bias')));
    h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'same');
    return tf.add(tf.matMul(tf.reshape(h, [-1, 392]), v('dense/kernel') as tf.Tensor2D), v('dense/bias')) as tf.Tensor2D;
  });
}

test('a TF1 Estimator checkpoint restores into a Graft model with the same names, and re-saves byte-identically', async () => {
  const latest = await latestCheckpoint(HSBARKER);
  assert.equal(latest, join(HSBARKER, 'model.ckpt-20000'));
  const model = hsbarkerModel();
  const saver = new Saver({ varList: model });
  const plan = await saver.restore(latest);
  assert.deepEqual(plan.summary, { restored: 21, renamed: 0, missing_in_checkpoint: 0, shape_mismatch: 0, dtype_mismatch: 0, excluded: 0, reinitialized: 0, unused_in_checkpoint: 0 });
  assert.equal(model.require('global_step').variable.dataSync()[0], 20000);
  const k = await loadVariable(latest!, 'dense/kernel');
  assert.deepEqual(bytesOf(model.require('dense/kernel').variable), k.data);

  // the restored weights are the trained network: it classifies the 10,000 real MNIST test
  // digits at 98.84% (the figure `graft demo tf-checkpoint` shows for the same file in a tfjs-layers model)
  const test = await loadMnist({ split: 'test' });
  const x = tf.tensor4d(test.x, [test.count, 28, 28, 1]);
  const logits = forward(model, x);
  const pred = logits.argMax(1).dataSync();
  let correct = 0;
  for (let i = 0; i < test.count; i++) if (pred[i] === test.labels[i]) correct++;
  tf.dispose([x, logits]);
  assert.equal(correct, 9884, `accuracy ${correct / test.count}`);

  // TF.js → checkpoint bytes is exact: the re-saved bundle equals TF's files byte for byte
  const { dir, cleanup } = await tempDir();
  try {
    const out = await saver.save(join(dir, 'model.ckpt'), { globalStep: model.require('global_step') });
    assert.equal(out, join(dir, 'model.ckpt-20000'));
    for (const suffix of ['.index', '.data-00000-of-00001']) {
      assert.deepEqual(await readFile(out + suffix), await readFile(latest + suffix), suffix);
    }
  } finally {
    await cleanup();
  }
});

test('a TF2 object-based Keras checkpoint restores into a tfjs-layers MLP through its object graph', async () => {
  const prefix = fixture('tf2-bundle/charity-keras-save-weights-adam/cp.ckpt');
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [19], units: 90, activation: 'relu' }),
      tfl.layers.dense({ units: 30, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'relu' }),
      tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  // adapt: TF-Keras names (dense, dense_1, …) for the layers' variables
  const params = parametersFromLayersModel(model);
  assert.deepEqual(params.names().slice(0, 3), ['dense/kernel', 'dense/bias', 'dense_1/kernel']);
  const plan = await planRestore(params, prefix);
  assert.equal(plan.summary.renamed, 8);
  assert.equal(plan.summary.unused_in_checkpoint, 21, '16 Adam slots + 5 optimizer scalars');
  assert.equal(plan.entries[0]!.source, 'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE');
  await executeRestorePlan(plan);

  const reader = await openCheckpoint(prefix);
  try {
    const w = await reader.read('layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE');
    assert.deepEqual(bytesOf(params.require('dense_1/kernel').variable), w.data);
    // the layers model computes with the restored weights
    const x = tf.tensor2d(Array.from({ length: 2 * 19 }, (_, i) => (i % 5) / 5), [2, 19]);
    const y = model.predict(x) as tf.Tensor;
    const manual = tf.tidy(() => {
      let h: tf.Tensor = x;
      for (let i = 0; i < 4; i++) {
        const s = i === 0 ? 'dense' : `dense_${i}`;
        h = tf.add(tf.matMul(h as tf.Tensor2D, params.require(`${s}/kernel`).variable as tf.Tensor2D), params.require(`${s}/bias`).variable);
        h = i < 3 ? tf.relu(h) : tf.sigmoid(h);
      }
      return h;
    });
    assert.deepEqual(Array.from(y.dataSync()), Array.from(manual.dataSync()));
    tf.dispose([x, y, manual]);
  } finally {
    await reader.close();
  }

  // optimizer slots restore by their TF2 full names too
  const slots = new ParameterSet();
  slots.add('Adam/dense/kernel/m', newVariable('m', tf.zeros([19, 90]), { trainable: false }), { trainable: false });
  slots.add('Adam/iter', newVariable('iter', tf.scalar(0, 'int32'), { trainable: false }), { trainable: false, saveDtype: 'int64' });
  await executeRestorePlan(await planRestore(slots, prefix));
  assert.equal(slots.require('Adam/iter').variable.dataSync()[0], 160800);
});

test('EMA: shadows load into the live variables (known values: v = 10, shadow 0.0999999)', async () => {
  const dir = fixture('tf1-bundle/caicloud-v1v2-ema-known-values');
  assert.equal((await getCheckpointState(dir))!.modelCheckpointPath, join(dir, 'model2.ckpt'));
  const params = new ParameterSet();
  const v = newVariable('v', tf.scalar(0));
  params.add('v', v);
  assert.deepEqual(Object.keys(emaVariablesToRestore(params)), ['v/ExponentialMovingAverage']);
  await new Saver({ varList: params }).restore(join(dir, 'model2.ckpt'));
  assert.equal(v.dataSync()[0], 10);
  const plan = await new Saver({ varList: emaVariablesToRestore(params) }).restore(join(dir, 'model2.ckpt'));
  assert.deepEqual(plan.entries.map((e) => [e.name, e.status, e.source]), [
    ['v', 'renamed', 'v/ExponentialMovingAverage'],
    ['v', 'unused_in_checkpoint', 'v'],
  ]);
  assert.equal(v.dataSync()[0], Math.fround(0.09999990463256836));
});

test('EMA: the caicloud MNIST MLP, built with a VariableStore as the book does, evaluates with its averaged weights', async () => {
  const dir = fixture('tf1-bundle/caicloud-mnist-ema');
  const latest = await latestCheckpoint(dir);
  assert.equal(latest, join(dir, 'mnist_model-29001'));
  const store = new VariableStore({ seed: 1 });
  for (const [scope, rows, cols] of [['layer1', 784, 500], ['layer2', 500, 10]] as const) {
    store.variableScope(scope, undefined, () => {
      store.getVariable('weights', { shape: [rows, cols] });
      store.getVariable('biases', { shape: [cols] });
    });
  }
  store.variable(0, { name: 'Variable', trainable: false, dtype: 'int32' }); // global_step = tf.Variable(0, trainable=False)
  const ps = store.parameters();
  assert.deepEqual(ps.names(), ['layer1/weights', 'layer1/biases', 'layer2/weights', 'layer2/biases', 'Variable']);
  const plan = await executeRestorePlan(await planRestore(emaVariablesToRestore(store), latest!));
  assert.equal(plan.summary.renamed, 4);
  assert.equal(plan.summary.restored, 1);
  assert.equal(ps.require('Variable').variable.dataSync()[0], 29001);
  const shadow = await loadVariable(latest!, 'layer2/biases/ExponentialMovingAverage');
  assert.deepEqual(bytesOf(ps.require('layer2/biases').variable), shadow.data);
  const test = await loadMnist({ split: 'test', limit: 1000 });
  const acc = tf.tidy(() => {
    const x = tf.tensor2d(test.x, [test.count, 784]);
    const h = tf.relu(tf.add(tf.matMul(x, ps.require('layer1/weights').variable as tf.Tensor2D), ps.require('layer1/biases').variable));
    const y = tf.add(tf.matMul(h, ps.require('layer2/weights').variable as tf.Tensor2D), ps.require('layer2/biases').variable);
    const pred = y.argMax(1).dataSync();
    let c = 0;
    for (let i = 0; i < test.count; i++) if (pred[i] === test.labels[i]) c++;
    return c / test.count;
  });
  assert.ok(acc > 0.95, `accuracy ${acc}`);
});

test('Keras .h5 and tfjs model.json sources restore into adapted tfjs-layers models', async () => {
  const celsius = () =>
    tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [1], units: 3 }), tfl.layers.dense({ units: 3 }), tfl.layers.dense({ units: 1 })],
    });
  const h5 = fixture('keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5');
  const model = celsius();
  const plan = await executeRestorePlan(await planRestore(parametersFromLayersModel(model), h5));
  assert.equal(plan.summary.restored, 6);
  assert.ok(plan.summary.unused_in_checkpoint > 0, 'the Adam weights of the .h5 are reported unused');
  const f = model.predict(tf.tensor2d([[100], [0]])) as tf.Tensor;
  const [boiling, freezing] = Array.from(f.dataSync());
  assert.ok(Math.abs(boiling! - 212) < 2 && Math.abs(freezing! - 32) < 2, `°F ${boiling}, ${freezing}`);
  f.dispose();

  const single = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [1], units: 1 })] });
  const r = await executeRestorePlan(await planRestore(parametersFromLayersModel(single), fixture('tfjs/celsius-single-dense/model.json')));
  assert.equal(r.source.format, 'tfjs');
  assert.equal(r.summary.restored, 2);
  const y = single.predict(tf.tensor2d([[100]])) as tf.Tensor;
  assert.ok(Math.abs(y.dataSync()[0]! - 212) < 2);
  y.dispose();
});
