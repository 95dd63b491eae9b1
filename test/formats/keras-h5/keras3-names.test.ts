// The Keras 3 path → TF-Keras name rules (keras3-names.ts) on configs shaped as Keras 3 writes
// them: nested Functional/Sequential, BatchNormalization flags, Embedding, recurrent cells, a
// wrapper whose order Graft does not know; files without config mapped by class + count only
// when unambiguous. Plus the Keras 1 naming rule of the .h5 reader, on a file laid out as
// Keras 1's save_weights writes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { keras3SnakeCase, mapKeras3Names, keras3ConfigLayers, openKerasH5, kerasWeightName } from '../../../src/formats/keras-h5/index.js';

const L = (class_name: string, config: Record<string, unknown>) => ({ module: 'keras.layers', class_name, config, registered_name: null });

test('keras3SnakeCase follows Keras 3 naming.to_snake_case', () => {
  assert.deepEqual(['Dense', 'Conv2D', 'MaxPooling2D', 'BatchNormalization', 'LSTM', 'SimpleRNN', 'Conv2DTranspose', 'GlobalAveragePooling2D', 'DepthwiseConv2D'].map(keras3SnakeCase),
    ['dense', 'conv2d', 'max_pooling2d', 'batch_normalization', 'lstm', 'simple_rnn', 'conv2d_transpose', 'global_average_pooling2d', 'depthwise_conv2d']);
});

test('config walk: paths by class counter per list, nested models, cells; names by config', () => {
  const inner = { module: 'keras', class_name: 'Sequential', config: { name: 'backbone', layers: [
    L('InputLayer', { name: 'in2', batch_shape: [null, 4] }), L('Dense', { name: 'd_a', use_bias: false }), L('BatchNormalization', { name: 'bn', center: false }),
  ] }, registered_name: null };
  const config = { module: 'keras', class_name: 'Functional', config: { name: 'm', layers: [
    L('InputLayer', { name: 'x' }), inner, L('Embedding', { name: 'emb' }), L('GRU', { name: 'g' }), L('Dense', { name: 'head' }),
    L('Bidirectional', { name: 'bi', layer: L('LSTM', { name: 'l' }) }),
  ] } };
  assert.deepEqual(keras3ConfigLayers(config).map((l) => [l.varsPath, l.name]), [
    ['layers/input_layer', 'x'], ['layers/sequential/layers/dense', 'd_a'], ['layers/sequential/layers/batch_normalization', 'bn'],
    ['layers/embedding', 'emb'], ['layers/gru/cell', 'g'], ['layers/dense', 'head'], ['layers/bidirectional', 'bi'],
  ]);
  const vars = [
    'layers/sequential/layers/dense/vars/0', 'layers/sequential/layers/batch_normalization/vars/0', 'layers/sequential/layers/batch_normalization/vars/1',
    'layers/sequential/layers/batch_normalization/vars/2', 'layers/embedding/vars/0', 'layers/gru/cell/vars/0', 'layers/gru/cell/vars/1', 'layers/gru/cell/vars/2',
    'layers/dense/vars/0', 'layers/dense/vars/1', 'layers/bidirectional/forward_layer/cell/vars/0', 'optimizer/vars/0',
  ].map((path) => ({ path, shape: [1] }));
  const m = mapKeras3Names(vars, { config });
  assert.deepEqual(m.map((e) => e.tfName ?? null), [
    'd_a/kernel', 'bn/gamma', 'bn/moving_mean', 'bn/moving_variance', 'emb/embeddings',
    'g/gru_cell/kernel', 'g/gru_cell/recurrent_kernel', 'g/gru_cell/bias', 'head/kernel', 'head/bias', null, null,
  ]);
  assert.match(m[10]!.reason!, /no layer stored at this path/);
  // A config that disagrees with the file (use_bias true, one variable) is reported, not guessed.
  const wrong = mapKeras3Names([{ path: 'layers/dense/vars/0', shape: [2, 2] }], { config: { module: 'keras', class_name: 'Sequential', config: { layers: [L('Dense', { name: 'd' })] } } });
  assert.match(wrong[0]!.reason!, /should have 2 variables/);
});

test('without config: by class in the path and variable count, only when one layout has that count', () => {
  const v = (p: string, n: number) => Array.from({ length: n }, (_, i) => ({ path: `${p}/vars/${i}`, shape: [1] }));
  const m = mapKeras3Names([...v('layers/batch_normalization', 4), ...v('layers/batch_normalization_1', 3), ...v('layers/dense_2', 1),
    ...v('layers/lstm/cell', 3), ...v('layers/my_block', 2), ...v('layers/lstm_1/cell', 3)], { groupNames: { 'layers/dense_2': 'logits' } });
  assert.deepEqual(m.map((e) => e.tfName ?? `- ${e.reason!.slice(0, 30)}`), [
    'batch_normalization/gamma', 'batch_normalization/beta', 'batch_normalization/moving_mean', 'batch_normalization/moving_variance',
    '- no config, and a BatchNormaliz', '- no config, and a BatchNormaliz', '- no config, and a BatchNormaliz',
    'logits/kernel', 'lstm/lstm_cell/kernel', 'lstm/lstm_cell/recurrent_kernel', 'lstm/lstm_cell/bias',
    '- no config, and "my_block" is n', '- no config, and "my_block" is n',
    'lstm_1/lstm_cell_1/kernel', 'lstm_1/lstm_cell_1/recurrent_kernel', 'lstm_1/lstm_cell_1/bias',
  ]);
  assert.ok(m.filter((e) => e.tfName).every((e) => e.source === 'variable_count'));
});

test('Keras 1 names: dense_1_W → dense_1/W (alias dense_1_W kept), Keras 2 names unchanged', async () => {
  assert.deepEqual(kerasWeightName('dense_1', 'dense_1_W'), { name: 'dense_1/W', alias: 'dense_1_W' });
  assert.deepEqual(kerasWeightName('dense_1', 'dense_1/kernel'), { name: 'dense_1/kernel' });
  assert.deepEqual(kerasWeightName('dense_1', 'kernel'), { name: 'dense_1/kernel' });
  // A file laid out as Keras 1.2 save_weights_to_hdf5_group writes it (layer_names, weight_names
  // = the variable names, datasets under the layer group by those names).
  const dir = await mkdtemp(join(tmpdir(), 'graft-k1-'));
  try {
    const p = join(dir, 'k1.h5');
    const h5 = (await h5wasm.ready, h5wasm);
    const f = new h5.File(p, 'w');
    f.create_attribute('layer_names', ['dense_1', 'batchnormalization_1']);
    f.create_attribute('keras_version', '1.2.2');
    const g = f.create_group('dense_1');
    g.create_attribute('weight_names', ['dense_1_W', 'dense_1_b']);
    g.create_dataset({ name: 'dense_1_W', data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
    g.create_dataset({ name: 'dense_1_b', data: new Float32Array([7, 8, 9]), shape: [3] });
    const b = f.create_group('batchnormalization_1');
    b.create_attribute('weight_names', ['batchnormalization_1_gamma', 'batchnormalization_1_running_std']);
    b.create_dataset({ name: 'batchnormalization_1_gamma', data: new Float32Array([1, 1, 1]), shape: [3] });
    b.create_dataset({ name: 'batchnormalization_1_running_std', data: new Float32Array([2, 2, 2]), shape: [3] });
    f.close();
    await using r = await openKerasH5(p);
    assert.deepEqual(r.list().map((t) => t.name), ['batchnormalization_1/gamma', 'batchnormalization_1/running_std', 'dense_1/W', 'dense_1/b']);
    assert.deepEqual(r.info('dense_1_W').name, 'dense_1/W');
    assert.deepEqual(Array.from(new Float32Array((await r.read('dense_1_b')).data.buffer)), [7, 8, 9]);
    assert.equal(r.metadata.keras_version, '1.2.2');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// A model written by real Keras 3.15.1 here (test/fixtures/keras3/written-here-keras3151-zoo,
// make.py): every layer class of the mapping, a nested Sequential, a Bidirectional. Keras' own
// variable paths and value hashes (keras-variables.json) are the independent truth.
const ZOO = new URL('../../../../test/fixtures/keras3/written-here-keras3151-zoo/', import.meta.url).pathname;

async function checkZoo(file: string, withConfig: boolean): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const truth = JSON.parse(await readFile(join(ZOO, 'keras-variables.json'), 'utf8')) as { layers: { layer: string; class: string; variables: [string, string, number[], string][] }[] };
  await using r = await openKerasH5(join(ZOO, file));
  const byTf = new Map(r.keras3!.names.filter((n) => n.tfName).map((n) => [n.tfName!, n]));
  let checked = 0;
  for (const l of truth.layers) {
    for (const [path, vname, shape, sha] of l.variables) {
      // Keras 3's own path, flattened as TF-Keras names nested models; DepthwiseConv2D's kernel is
      // TF-Keras's depthwise_kernel.
      const expected = `${l.layer}/${path.slice(path.indexOf(l.layer + '/') + l.layer.length + 1).replace(/^kernel$/, l.class === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel')}`;
      const unmappable = l.class === 'Bidirectional' || (!withConfig && l.layer === 'bn_noc');
      const hit = byTf.get(expected);
      if (unmappable) { assert.equal(hit, undefined, `${expected} should stay unmapped`); continue; }
      assert.ok(hit, `${file}: no weight maps to ${expected} (${vname})`);
      assert.deepEqual(r.info(hit.name).shape, shape, expected);
      assert.equal(createHash('sha256').update((await r.read(hit.name)).data).digest('hex'), sha, `${expected}: bytes are not Keras' ${path}`);
      checked++;
    }
  }
  assert.equal(checked, withConfig ? 26 : 23); // 32 variables, 6 in the Bidirectional
  assert.ok(r.keras3!.names.filter((n) => n.name.startsWith('bidirectional/')).every((n) => n.reason));
}

test('real Keras 3.15.1 model with every mapped layer class: .keras names by config equal Keras\' own variables', () => checkZoo('zoo.keras', true));
test('same model as bare .weights.h5: names by class + count + name attrs, the ambiguous BatchNormalization left unmapped', () => checkZoo('zoo.weights.h5', false));
