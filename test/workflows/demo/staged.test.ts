import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/runtime/backend.js';
import { stagedScenario } from '../../../src/workflows/demo/index.js';
import { TINY, workDir } from './tiny.js';

test('staged CNN→LSTM (article 000) on real MNIST: parts saved apart, frozen bytes unchanged, eval from two dirs', async () => {
  await initBackend();
  const w = workDir();
  try {
    const r = await stagedScenario(w.dir, TINY);
    for (const [k, ok] of Object.entries(r.checks)) assert.ok(ok, k);
    const d = r.data as { stage2: number; eval: number; cnnKeys: string[]; lstmKeys: string[] };
    assert.ok(d.stage2 > 0.3, `stage 2 accuracy ${d.stage2} well above chance (0.1)`);
    assert.deepEqual(d.cnnKeys, ['inference/conv1/biases', 'inference/conv1/weights', 'inference/conv2/biases', 'inference/conv2/weights', 'inference/conv2d_1a_3x3/biases', 'inference/conv2d_1a_3x3/weights']);
    assert.deepEqual(d.lstmKeys, ['inference/lstm_layer/logits/biases', 'inference/lstm_layer/logits/weights', 'inference/lstm_layer/rnn/basic_lstm_cell/bias', 'inference/lstm_layer/rnn/basic_lstm_cell/kernel']);
  } finally {
    w.done();
  }
});
