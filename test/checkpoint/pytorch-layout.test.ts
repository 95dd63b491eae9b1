// PyTorch state dicts restored into equivalent tfjs LayersModels through the layout rules, with
// outputs equal to torch's (computed once by test/fixtures/pytorch/generate.py and stored):
// Conv2d + BatchNorm2d + depthwise Conv2d + Linear, an LSTM + Linear (Keras layout, and the TF1
// LSTMCell layout run through tf.basicLSTMCell), and two third-party MLP state dicts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/runtime/backend.js';
import { openCheckpoint, withLayout, formatLayoutReport } from '../../src/formats/index.js';
import { planRestore, executeRestorePlan } from '../../src/checkpoint/index.js';
import { parametersFromLayersModel } from '../../src/variables/layers-adapter.js';
import { GraftError } from '../../src/errors.js';

const root = new URL('../../..', import.meta.url).pathname;
const fx = (p: string) => join(root, 'test/fixtures/pytorch', p);
const netPt = fx('graft-generated/layout-net.pt');

interface Io { img_nhwc: number[]; img_shape_nhwc: number[]; seq: number[]; seq_shape: number[]; out_conv: number[]; out_conv_shape: number[]; out_lstm: number[]; out_lstm_shape: number[]; bn_eps: number }
let io: Io;

before(async () => {
  await initBackend();
  io = JSON.parse(await readFile(fx('graft-generated/layout-net.io.json'), 'utf8')) as Io;
});

function maxAbsDiff(a: tf.Tensor, b: number[]): number {
  const v = a.dataSync();
  assert.equal(v.length, b.length);
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]! - b[i]!));
  return m;
}

test('Conv2d + BatchNorm2d + depthwise + Linear: torch outputs reproduced (max abs diff ≤ 1e-5)', async () => {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [9, 9, 3], filters: 4, kernelSize: 3, name: 'conv1' }),
      tfl.layers.batchNormalization({ name: 'bn1', epsilon: io.bn_eps }),
      tfl.layers.reLU(),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, name: 'dw' }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 5, name: 'fc' }),
    ],
  });
  const plan = await planRestore(parametersFromLayersModel(model), netPt, { layout: { layout: 'pytorch', depthwise: { dw: 2 } } });
  assert.equal(plan.ok, true, plan.toString());
  assert.equal(plan.summary.restored, 10, plan.toString());
  const note = (n: string) => plan.entries.find((e) => e.name === n)?.note;
  assert.equal(note('conv1/kernel'), 'conv1.weight: conv2d OIHW→HWIO');
  assert.equal(note('bn1/moving_variance'), 'bn1.running_var: batch norm running_var→moving_variance');
  assert.equal(note('dw/depthwise_kernel'), 'dw.weight: depthwise [C·m,1,kh,kw]→[kh,kw,C,m] (m=2)');
  assert.equal(note('fc/kernel'), 'fc.weight: dense [out,in]→[in,out]');
  // num_batches_tracked is dropped by the layout, not reported unused; the LSTM tensors are unused here.
  assert.ok(!plan.entries.some((e) => e.name.includes('num_batches_tracked')));
  assert.equal(plan.summary.unused_in_checkpoint, 5);
  await executeRestorePlan(plan);
  const out = model.predict(tf.tensor(io.img_nhwc, io.img_shape_nhwc)) as tf.Tensor;
  assert.deepEqual(out.shape, io.out_conv_shape);
  const d = maxAbsDiff(out, io.out_conv);
  if (process.env.GRAFT_LAYOUT_DIFFS) process.stderr.write(`max abs diff ${d}\n`);
  assert.ok(d <= 1e-5, `max abs diff ${d}`);
  // …and without the layout the same plan is refused (shapes differ), so the rules do the work.
  const raw = await planRestore(parametersFromLayersModel(model), netPt, { assignmentMap: { 'conv1.weight': 'conv1/kernel' }, onlyMapped: true });
  assert.equal(raw.summary.shape_mismatch, 1);
});

test('LSTM + Linear (Keras layout, gates i,f,c,o; biases summed): torch outputs reproduced', async () => {
  const model = tfl.sequential({
    layers: [
      tfl.layers.lstm({ inputShape: [5, 3], units: 6, recurrentActivation: 'sigmoid', name: 'lstm' }),
      tfl.layers.dense({ units: 2, name: 'head' }),
    ],
  });
  const params = parametersFromLayersModel(model);
  assert.ok(params.names().includes('lstm/lstm_cell/kernel'));
  const plan = await planRestore(params, netPt, { layout: { layout: 'pytorch' }, assignmentMap: { 'lstm/': 'lstm/lstm_cell/' } });
  assert.equal(plan.ok, true, plan.toString());
  assert.equal(plan.entries.find((e) => e.name === 'lstm/lstm_cell/bias')?.note, 'lstm.bias_ih_l0 + lstm.bias_hh_l0: lstm bias = b_ih + b_hh');
  await executeRestorePlan(plan);
  const out = model.predict(tf.tensor(io.seq, io.seq_shape)) as tf.Tensor;
  const d = maxAbsDiff(out, io.out_lstm);
  if (process.env.GRAFT_LAYOUT_DIFFS) process.stderr.write(`max abs diff ${d}\n`);
  assert.ok(d <= 1e-5, `max abs diff ${d}`);
});

test('LSTM in the TF1 LSTMCell layout (i,c,f,o, forget_bias 1) runs in tf.basicLSTMCell with torch outputs', async () => {
  await using r = withLayout(await openCheckpoint(netPt), { layout: 'pytorch', lstm: 'tf1', forgetBias: 1 });
  const get = async (n: string) => { const v = await r.read(n); return tf.tensor(new Float32Array(v.data.buffer, v.data.byteOffset, v.data.length / 4), v.shape); };
  const kernel = await get('lstm/kernel') as tf.Tensor2D;
  assert.deepEqual(kernel.shape, [9, 24]);
  const bias = await get('lstm/bias') as tf.Tensor1D;
  const x = tf.tensor3d(io.seq, io.seq_shape as [number, number, number]);
  let c = tf.zeros([2, 6]) as tf.Tensor2D, h = tf.zeros([2, 6]) as tf.Tensor2D;
  for (let t = 0; t < 5; t++) {
    const xt = x.slice([0, t, 0], [2, 1, 3]).reshape([2, 3]) as tf.Tensor2D;
    [c, h] = tf.basicLSTMCell(1, kernel, bias, xt, c, h);
  }
  const out = tf.add(tf.matMul(h, await get('head/kernel')), await get('head/bias'));
  const d = maxAbsDiff(out, io.out_lstm);
  if (process.env.GRAFT_LAYOUT_DIFFS) process.stderr.write(`max abs diff ${d}\n`);
  assert.ok(d <= 1e-5, `max abs diff ${d}`);
  assert.match(formatLayoutReport(r), /lstm\.weight_ih_l0 \[24,3\] \+ lstm\.weight_hh_l0 \[24,6\] → lstm\/kernel \[9,24\]: lstm \[W_ih;W_hh\]\^T→TF1 kernel/);
});

test('third-party MLP state dicts (legacy and zip layouts) restored into a tfjs Dense model', async () => {
  for (const d of ['coderhr-mlp-legacy', 'kang9kang-mlp-zip']) {
    const { x, x_shape, y } = JSON.parse(await readFile(fx(`${d}/net.io.json`), 'utf8')) as { x: number[]; x_shape: number[]; y: number[] };
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [3], units: 2, activation: 'relu', name: 'hidden' }), tfl.layers.dense({ units: 1, name: 'output' })],
    });
    const plan = await executeRestorePlan(await planRestore(parametersFromLayersModel(model), fx(`${d}/net.pt`), { layout: { layout: 'pytorch' } }));
    assert.equal(plan.summary.restored, 4, plan.toString());
    const diff = maxAbsDiff(model.predict(tf.tensor(x, x_shape)) as tf.Tensor, y);
    assert.ok(diff <= 1e-6, `${d}: max abs diff ${diff}`);
  }
});

test('layout rules: permutes are bit-exact and options naming absent modules are refused', async () => {
  await using plain = await openCheckpoint(netPt);
  await using r = withLayout(await openCheckpoint(netPt), { layout: 'pytorch', depthwise: { dw: 2 } });
  const w = new Float32Array((await plain.read('conv1.weight')).data.buffer); // [4,3,3,3] OIHW
  const k = new Float32Array((await r.read('conv1/kernel')).data.buffer); // [3,3,3,4] HWIO
  for (const [o, i, hh, ww] of [[0, 0, 0, 0], [3, 2, 1, 0], [1, 2, 2, 1]] as const) {
    assert.equal(k[((hh * 3 + ww) * 3 + i) * 4 + o], w[((o * 3 + i) * 3 + hh) * 3 + ww]);
  }
  assert.throws(() => withLayout(plain, { layout: 'pytorch', depthwise: { nope: 1 } }), (e: unknown) => e instanceof GraftError && e.code === 'layout_mismatch');
  assert.throws(() => withLayout(plain, { layout: 'pytorch', depthwise: { conv1: 1 } }), (e: unknown) => e instanceof GraftError && e.code === 'layout_mismatch');
});
