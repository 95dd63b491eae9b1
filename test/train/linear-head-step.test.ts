import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { GraftError } from '../../src/errors.js';
import { loadMnist } from '../../src/models/data/mnist.js';
import { buildModel } from '../../src/models/registry.js';
import { AdamOptimizer, MomentumOptimizer } from '../../src/train/optimizers.js';
import { createGlobalStep } from '../../src/train/global-step.js';
import { linearHeadStep, linearHeadStepAvailable } from '../../src/train/linear-head-step.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { makeBatch, softmaxCrossEntropyLoss } from '../../src/workflows/batches.js';

const bytes = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer.slice(0));

test('linearHeadStep = minimize on the affine head, to the bit (real MNIST features, Adam and Momentum, 4 steps)', async () => {
  await initBackend();
  assert.ok(linearHeadStepAvailable(), `the fused loss kernel serves ${tf.getBackend()}`);
  const set = await loadMnist({ split: 'train', limit: 96, seed: 3 });
  const body = buildModel('mnist-cnn', { numClasses: 10 });
  const order = Int32Array.from({ length: set.count }, (_, i) => i);
  const feats: { x: tf.Tensor2D; labels: tf.Tensor1D }[] = [];
  for (let s = 0; s < set.count; s += 24) {
    const b = makeBatch(set, order, s, 24);
    feats.push({ x: tf.tidy(() => body.features(b.inputs)), labels: b.labels });
    b.inputs.x.dispose();
  }
  const width = feats[0]!.x.shape[1]!;
  const w0 = tf.randomNormal([width, 10], 0, 0.05, 'float32', 7);
  for (const make of [(p: ParameterSet) => new AdamOptimizer(p, { learningRate: 0.01 }), (p: ParameterSet) => new MomentumOptimizer(p, { learningRate: 0.05, momentum: 0.9 })]) {
    const heads = [0, 1].map((k) => {
      const params = new ParameterSet();
      params.add('Logits/weights', newVariable(`lhs${k}/w`, w0.clone()));
      params.add('Logits/biases', newVariable(`lhs${k}/b`, tf.zeros([10])));
      return { params, opt: make(params), gs: createGlobalStep().variable, w: params.require('Logits/weights').variable, b: params.require('Logits/biases').variable };
    });
    const [taped, linear] = heads as [typeof heads[0], typeof heads[0]];
    for (const [i, { x, labels }] of feats.entries()) {
      const before = tf.memory().numTensors;
      const a = taped.opt.minimize(() => softmaxCrossEntropyLoss(tf.add(tf.matMul(x, taped.w), taped.b) as tf.Tensor2D, labels), { globalStep: taped.gs });
      const mid = tf.memory().numTensors;
      const r = linearHeadStep(linear.opt, x, labels, linear.w, linear.b, { globalStep: linear.gs });
      if (i > 0) assert.equal(tf.memory().numTensors, mid, 'a linear step leaves no tensor behind');
      if (i > 0) assert.equal(mid, before, 'nor does a taped one');
      assert.ok(Math.abs(a.loss - r.loss) <= 1e-6 * Math.abs(a.loss), `loss ${a.loss} vs ${r.loss}`);
      assert.equal(r.learningRate, a.learningRate);
      assert.equal(r.globalStep, a.globalStep);
    }
    assert.ok(bytes(taped.w).equals(bytes(linear.w)), `${taped.opt.name}: weights bit-identical after ${feats.length} steps`);
    assert.ok(bytes(taped.b).equals(bytes(linear.b)), `${taped.opt.name}: biases bit-identical`);
    for (const name of taped.opt.variables().names()) {
      assert.ok(bytes(taped.opt.variables().require(name).variable).equals(bytes(linear.opt.variables().require(name).variable)), `slot ${name} bit-identical`);
    }
  }
  const bad = newVariable('lhs/bad', tf.zeros([width + 1, 10]));
  assert.throws(() => linearHeadStep(new AdamOptimizer(new ParameterSet()), feats[0]!.x, feats[0]!.labels, bad, bad),
    (e: unknown) => e instanceof GraftError && e.code === 'linear_head_shape');
  for (const f of feats) {
    f.x.dispose();
    f.labels.dispose();
  }
});
