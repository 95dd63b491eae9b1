// optimizeLoss driving the staged training of the CRNN article (src/models/crnn.ts): stage 1
// trains `variables = get_collection(TRAINABLE_VARIABLES, 'inference/conv')` with an exponential
// LR decay, stage 2 `'inference/lstm_layer'`, on a real MNIST slice; summaries go to an event
// file that the event reader parses with TF's tags (contrib/layers optimizers.py optimize_loss).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from './helpers.js';
import { VariableStore, GraphKeys } from '../../src/variables/index.js';
import { buildCrnn } from '../../src/models/crnn.js';
import { loadMnist } from '../../src/models/data/mnist.js';
import { createGlobalStep } from '../../src/train/global-step.js';
import { optimizeLoss } from '../../src/train/optimize-loss.js';
import { exponentialDecay } from '../../src/train/schedules.js';
import { SummaryWriter } from '../../src/train/summary/summary-writer.js';
import { readEventFile } from '../../src/train/summary/event-reader.js';

let images: tf.Tensor4D;
let labels: tf.Tensor2D;

before(async () => {
  await setupBackend();
  const set = await loadMnist({ split: 'train', limit: 16, seed: 11 });
  images = tf.tensor4d(set.x as Float32Array, [set.count, 28, 28, 1]);
  labels = tf.oneHot(tf.tensor1d(set.labels, 'int32'), 10).toFloat() as tf.Tensor2D;
});

test('staged CRNN training with optimizeLoss: each stage moves only its scope, LR decays, TensorBoard events parse', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-crnn-optloss-'));
  try {
    const store = new VariableStore({ seed: 4 });
    const loss = (): tf.Scalar => tf.losses.softmaxCrossEntropy(labels, buildCrnn(store, images, { numClasses: 10, convFilters: [8, 16], lstmUnits: 16 }).logits) as tf.Scalar;
    tf.tidy(loss);
    const { variable: globalStep } = createGlobalStep();
    const writer = await SummaryWriter.create(dir);
    const decay = (lr: number, step: number): number => exponentialDecay(lr, { decaySteps: 2, decayRate: 0.5, staircase: true })(step);
    const stages = ['inference/conv', 'inference/lstm_layer'];
    const losses: number[][] = [];
    for (const [i, scope] of stages.entries()) {
      const variables = store.getCollection<tf.Variable>(GraphKeys.TRAINABLE_VARIABLES, scope);
      const others = store.trainableVariables().filter((v) => !variables.includes(v));
      const othersBefore = others.map((v) => Array.from(v.dataSync()));
      const trainOp = optimizeLoss(loss, globalStep, {
        learningRate: 0.01, optimizer: 'Adam', variables, params: store.parameters(), learningRateDecayFn: decay,
        clipGradients: 5, summaries: ['loss', 'learning_rate', 'global_gradient_norm', 'gradient_norm'], summaryWriter: writer, name: `stage${i + 1}`,
      });
      const stageLosses: number[] = [];
      for (let s = 0; s < 4; s++) stageLosses.push(trainOp.run().loss);
      losses.push(stageLosses);
      assert.deepEqual(others.map((v) => Array.from(v.dataSync())), othersBefore, `${scope}: variables outside the stage stayed bit-identical`);
      assert.ok(trainOp.optimizer.slots().every((s) => s.ownerName.startsWith(scope)), 'slots only for the stage variables');
    }
    assert.ok(losses[0]![3]! < losses[0]![0]!, `stage 1 loss ${losses[0]!.join(' → ')}`);
    assert.ok(losses[1]![3]! < losses[1]![0]!, `stage 2 loss ${losses[1]!.join(' → ')}`);
    assert.equal(globalStep.dataSync()[0], 8);
    await writer.close();

    const events = await readEventFile(join(dir, (await readdir(dir))[0]!));
    const values = events.flatMap((e) => (e.summary?.value ?? []).map((v) => ({ step: e.step, tag: v.tag, value: v.simpleValue })));
    const lr = values.filter((v) => v.tag.endsWith('/learning_rate')).map((v) => [v.tag, v.step, v.value]);
    assert.deepEqual(lr, [
      ['stage1/learning_rate', 0, Math.fround(0.01)], ['stage1/learning_rate', 1, Math.fround(0.01)],
      ['stage1/learning_rate', 2, Math.fround(0.005)], ['stage1/learning_rate', 3, Math.fround(0.005)],
      ['stage2/learning_rate', 4, Math.fround(0.0025)], ['stage2/learning_rate', 5, Math.fround(0.0025)],
      ['stage2/learning_rate', 6, Math.fround(0.00125)], ['stage2/learning_rate', 7, Math.fround(0.00125)],
    ]);
    assert.deepEqual(values.filter((v) => v.tag === 'stage1/loss').map((v) => v.value), losses[0]!.map(Math.fround));
    assert.ok(values.some((v) => v.tag === 'stage1/gradient_norm/inference/conv1/weights_0'));
    assert.ok(values.some((v) => v.tag === 'stage2/gradient_norm/inference/lstm_layer/logits/biases_0'));
    assert.ok(!values.some((v) => v.tag === 'stage1/gradient_norm/inference/lstm_layer/logits/biases_0'));
    store.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
