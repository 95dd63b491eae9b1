// parametersFromLayersModel: a tfjs-layers model listed under the names TF-Keras gives it
// (`dense/kernel`, `dense_1/bias`, `lstm/lstm_cell/kernel`, `lstm_1/lstm_cell_1/…`), and a real
// Keras-converted tfjs model (test/fixtures/tfjs/digits-cnn) keeping its Keras layer names.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/runtime/backend.js';
import { parametersFromLayersModel, toSnakeCase } from '../../src/variables/index.js';

const root = new URL('../../../', import.meta.url);

before(async () => {
  await initBackend();
});

test('Keras to_snake_case', () => {
  assert.deepEqual(['Dense', 'Conv2D', 'BatchNormalization', 'LSTM', 'SimpleRNN', 'LSTMCell', 'DepthwiseConv2D', 'Conv2DTranspose'].map(toSnakeCase),
    ['dense', 'conv2d', 'batch_normalization', 'lstm', 'simple_rnn', 'lstm_cell', 'depthwise_conv2d', 'conv2d_transpose']);
});

test('a tfjs Sequential CNN lists TF-Keras names, trainable flags and the same variables', () => {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3 }),
      tfl.layers.batchNormalization(),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4 }),
      tfl.layers.dense({ units: 3 }),
      tfl.layers.dense({ units: 2, name: 'Logits' }),
    ],
  });
  const p = parametersFromLayersModel(m);
  assert.deepEqual(p.describe().map((d) => `${d.name}${d.trainable ? '' : ' (frozen)'}`), [
    'conv2d/kernel', 'conv2d/bias',
    'batch_normalization/gamma', 'batch_normalization/beta', 'batch_normalization/moving_mean (frozen)', 'batch_normalization/moving_variance (frozen)',
    'dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias', 'Logits/kernel', 'Logits/bias',
  ]);
  assert.equal(p.require('dense_1/kernel').variable, m.layers[4].weights[0].read(), 'the ParameterSet holds the model\'s own variables');
  assert.deepEqual(parametersFromLayersModel(m, { names: 'tfjs' }).names()[0], m.layers[0].weights[0].originalName);
  m.dispose();
});

test('recurrent layers: lstm/lstm_cell/…, lstm_1/lstm_cell_1/…, gru/gru_cell/…, embedding/embeddings', () => {
  const m = tfl.sequential({
    layers: [
      tfl.layers.embedding({ inputDim: 20, outputDim: 4, inputLength: 5 }),
      tfl.layers.lstm({ units: 3, returnSequences: true }),
      tfl.layers.lstm({ units: 3, returnSequences: true, name: 'encoder' }),
      tfl.layers.lstm({ units: 3, returnSequences: true }),
      tfl.layers.gru({ units: 2, returnSequences: true }),
      tfl.layers.simpleRNN({ units: 2 }),
      tfl.layers.dense({ units: 2 }),
    ],
  });
  assert.deepEqual(parametersFromLayersModel(m).names(), [
    'embedding/embeddings',
    'lstm/lstm_cell/kernel', 'lstm/lstm_cell/recurrent_kernel', 'lstm/lstm_cell/bias',
    // an explicitly named LSTM keeps its name, but its cell still takes the next lstm_cell uid
    'encoder/lstm_cell_1/kernel', 'encoder/lstm_cell_1/recurrent_kernel', 'encoder/lstm_cell_1/bias',
    'lstm_1/lstm_cell_2/kernel', 'lstm_1/lstm_cell_2/recurrent_kernel', 'lstm_1/lstm_cell_2/bias',
    'gru/gru_cell/kernel', 'gru/gru_cell/recurrent_kernel', 'gru/gru_cell/bias',
    'simple_rnn/simple_rnn_cell/kernel', 'simple_rnn/simple_rnn_cell/recurrent_kernel', 'simple_rnn/simple_rnn_cell/bias',
    'dense/kernel', 'dense/bias',
  ]);
  m.dispose();
});

test('a real Keras model converted by tfjs-converter (digits-cnn) keeps its Keras names', async () => {
  const dir = new URL('test/fixtures/tfjs/digits-cnn/', root);
  const json = JSON.parse(readFileSync(new URL('model.json', dir), 'utf8')) as {
    modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const bin = readFileSync(new URL(json.weightsManifest[0].paths[0], dir));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
  const p = parametersFromLayersModel(model);
  assert.deepEqual(p.names(), json.weightsManifest[0].weights.map((w) => w.name));
  assert.deepEqual(p.describe().map((d) => d.shape), [[3, 3, 1, 32], [32], [3, 3, 32, 64], [64], [1600, 128], [128], [128, 10], [10]]);
  model.dispose();
});
