// Graft's Adam against a checkpoint TF1 wrote (test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam,
// an Estimator CNN trained with tf.train.AdamOptimizer; see MANIFEST.md): the same variable names
// (slots `<var>/Adam`, `<var>/Adam_1`, `beta1_power`, `beta2_power`, int64 `global_step`), and
// TF's exact beta powers after 1 step and after 20000 steps (where TF's flush-to-zero matters).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { openBundle } from '../../src/formats/tf-bundle/index.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { AdamOptimizer, nextBetaPower } from '../../src/train/optimizers.js';
import { createGlobalStep } from '../../src/train/global-step.js';

const FIX = new URL('../../../test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam/', import.meta.url).pathname;

before(async () => {
  await initBackend();
});

async function scalars(step: number): Promise<{ names: string[]; shapes: Map<string, number[]>; b1: Buffer; b2: Buffer; gs: bigint }> {
  const r = await openBundle(`${FIX}model.ckpt-${step}`);
  try {
    const shapes = new Map(r.list().map((e) => [e.name, e.shape]));
    const b1 = Buffer.from((await r.read('beta1_power')).data);
    const b2 = Buffer.from((await r.read('beta2_power')).data);
    const gs = Buffer.from((await r.read('global_step')).data).readBigInt64LE(0);
    return { names: r.list().map((e) => e.name), shapes, b1, b2, gs };
  } finally {
    await r.close();
  }
}

const f32 = (x: number): Buffer => Buffer.from(new Float32Array([x]).buffer);

test('slot and non-slot names equal those in a TF1 Adam checkpoint', async () => {
  const tfCkpt = await scalars(1);
  const params = new ParameterSet();
  for (const [name, shape] of tfCkpt.shapes) {
    if (name.includes('/Adam') || name.endsWith('_power') || name === 'global_step') continue;
    params.add(name, newVariable(name, tf.zeros(shape)));
  }
  const gs = createGlobalStep();
  const opt = new AdamOptimizer(params, { learningRate: 1e-4 });
  opt.createSlots();
  const ours = [...params.names(), ...gs.params.names(), ...opt.variables().names()].sort();
  assert.deepEqual(ours, [...tfCkpt.names].sort());
  for (const p of opt.variables()) assert.deepEqual([...p.variable.shape], tfCkpt.shapes.get(p.name), p.name);
  assert.equal(gs.params.get('global_step')!.saveDtype, 'int64');
});

test('beta powers after one step and after 20000 steps are TF\'s bytes', async () => {
  const one = await scalars(1);
  assert.equal(one.gs, 1n);
  const w = newVariable('w', tf.tensor1d([1, 2]));
  const opt = new AdamOptimizer(new ParameterSet().add('w', w));
  opt.applyGradients([{ variable: w, grad: tf.tensor1d([0.5, -0.5]) }]);
  assert.deepEqual(Buffer.from(opt.variables().require('beta1_power').variable.dataSync().buffer), one.b1, 'beta1_power = 0.9 * 0.9 in float32 (0.80999994)');
  assert.deepEqual(Buffer.from(opt.variables().require('beta2_power').variable.dataSync().buffer), one.b2);

  const last = await scalars(20000);
  assert.equal(last.gs, 20000n);
  let b1 = Math.fround(0.9);
  let b2 = Math.fround(0.999);
  for (let i = 0; i < 20000; i++) {
    b1 = nextBetaPower(b1, 0.9);
    b2 = nextBetaPower(b2, 0.999);
  }
  assert.deepEqual(f32(b2), last.b2, 'beta2_power = 0.999^20001 by repeated float32 products');
  assert.deepEqual(f32(b1), last.b1, 'beta1_power flushed to 0 where IEEE would keep a denormal');
});
