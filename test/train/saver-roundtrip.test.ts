// Integration with checkpoint/: the Saver saves the model's parameters merged with the
// optimizer's slots, the EMA shadows and the global step under TF1's names, restores them into
// a fresh set of variables exactly, and `variablesToRestore` loads the averages into the model.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { Saver } from '../../src/checkpoint/index.js';
import { openBundle } from '../../src/formats/tf-bundle/index.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { MomentumOptimizer } from '../../src/train/optimizers.js';
import { createGlobalStep } from '../../src/train/global-step.js';
import { ExponentialMovingAverage } from '../../src/train/ema.js';
import { bytesOf } from './helpers.js';

before(async () => {
  await initBackend();
});

function setup(seed: number): { params: ParameterSet; gs: ReturnType<typeof createGlobalStep>; opt: MomentumOptimizer; ema: ExponentialMovingAverage; all: ParameterSet } {
  const params = new ParameterSet()
    .add('model/dense/kernel', newVariable('model/dense/kernel', tf.randomNormal([4, 3], 0, 1, 'float32', seed)))
    .add('model/dense/bias', newVariable('model/dense/bias', tf.zeros([3])));
  const gs = createGlobalStep();
  const opt = new MomentumOptimizer(params, { learningRate: 0.1, momentum: 0.9 });
  const ema = new ExponentialMovingAverage(0.9, { numUpdates: gs.variable });
  ema.apply(params);
  opt.createSlots();
  return { params, gs, opt, ema, all: new ParameterSet([...params, ...gs.params, ...opt.variables(), ...ema.variables()]) };
}

test('Saver round trip of model + optimizer + EMA + global_step, then EMA restore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-train-saver-'));
  try {
    const a = setup(1);
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 9);
    for (let i = 0; i < 3; i++) {
      a.opt.minimize(() => tf.sum(tf.square(tf.add(tf.matMul(x, a.params.require('model/dense/kernel').variable as tf.Tensor2D), a.params.require('model/dense/bias').variable))) as tf.Scalar, {
        globalStep: a.gs.variable,
        ema: a.ema,
      });
    }
    const path = await new Saver({ varList: a.all }).save(join(dir, 'model.ckpt'), { globalStep: a.gs.variable });
    assert.match(path, /model\.ckpt-3$/);
    const reader = await openBundle(path);
    assert.deepEqual(
      reader.list().map((e) => `${e.name}:${e.dtype}`),
      [
        'global_step:int64',
        'model/dense/bias:float32',
        'model/dense/bias/ExponentialMovingAverage:float32',
        'model/dense/bias/Momentum:float32',
        'model/dense/kernel:float32',
        'model/dense/kernel/ExponentialMovingAverage:float32',
        'model/dense/kernel/Momentum:float32',
      ],
    );
    await reader.close();

    const b = setup(2);
    await new Saver({ varList: b.all }).restore(path);
    for (const p of a.all) assert.deepEqual(bytesOf(b.all.require(p.name).variable), bytesOf(p.variable), p.name);
    assert.equal(b.gs.variable.dataSync()[0], 3);

    const c = setup(3);
    await new Saver({ varList: c.ema.variablesToRestore(c.params) }).restore(path);
    for (const p of c.params) assert.deepEqual(bytesOf(p.variable), bytesOf(a.ema.average(p.name)), `${p.name} holds the average`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
