// Keras 3 writes, checked by the independent reader (scripts/keras-listing.py: zipfile + h5py):
// a .keras converted from a real Keras 3.10 .keras lists identically to the Keras-written
// original (zip members, groups + name attrs, every dataset's path/shape/dtype/layout/bytes);
// a .keras and a .weights.h5 from a real tfjs model.json get the layout Keras 3 writes
// (layers/<snake class>[_n]/vars/<i>, vars/ of the model, stored zip members in Keras' order)
// and read back bit-identical through Graft.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCheckpoint } from '../../../src/formats/convert.js';
import { openCheckpoint } from '../../../src/formats/open.js';
import { keras3NameMap, planKeras3Weights, toKeras3Config } from '../../../src/formats/keras-h5/index.js';
import { GraftError } from '../../../src/errors.js';
import { independentListing, pythonWithH5py, type H5Listing } from './keras3-listing.js';

const root = new URL('../../../..', import.meta.url).pathname;
const FASHION = join(root, 'test/fixtures/keras3/fashion-cnn-keras310/model.keras');
const DIGITS_TFJS = join(root, 'test/fixtures/tfjs/digits-cnn/model.json');
const NO_PY = pythonWithH5py() ? false : 'no python3 with h5py (Debian python3-h5py; scripts/setup.sh installs it)';

const structure = (l: H5Listing) => ({
  zip: l.zip?.map((m) => [m.name, m.compress_type]),
  rootAttrs: l.h5.root_attrs,
  groups: l.h5.groups.map((g) => [g.path, g.attrs]).sort(),
  datasets: l.h5.datasets.map((d) => [d.path, d.shape, d.dtype, d.chunks, d.compression, d.sha256, d.attrs]).sort(),
});

test('a Graft-written .keras from a real Keras 3.10 .keras lists identically (zipfile + h5py)', { skip: NO_PY }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-k3w-'));
  try {
    const out = join(dir, 'copy.keras');
    const report = await convertCheckpoint(FASHION, out);
    assert.equal(report.written, 26);
    const a = independentListing(FASHION), b = independentListing(out);
    assert.deepEqual(structure(b), structure(a));
    assert.deepEqual(b.config, a.config);
    assert.equal(b.zip!.map((m) => m.name).join(','), 'metadata.json,config.json,model.weights.h5');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('tfjs model.json (real, Keras 2.12 topology) → .keras and .weights.h5 in the Keras 3 layout, read back bit-identical', { skip: NO_PY }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-k3w-'));
  try {
    const keras = join(dir, 'digits.keras'), weights = join(dir, 'digits.weights.h5');
    await convertCheckpoint(DIGITS_TFJS, keras);
    await convertCheckpoint(DIGITS_TFJS, weights);
    const lk = independentListing(keras), lw = independentListing(weights);
    // The same HDF5 layout in both, and the one a real Keras 3.10 file of a Sequential CNN has.
    assert.deepEqual(structure(lw).datasets, structure(lk).datasets);
    assert.deepEqual(lk.h5.datasets.map((d) => d.path).sort(), [
      'layers/conv2d/vars/0', 'layers/conv2d/vars/1', 'layers/conv2d_1/vars/0', 'layers/conv2d_1/vars/1',
      'layers/dense/vars/0', 'layers/dense/vars/1', 'layers/dense_1/vars/0', 'layers/dense_1/vars/1',
    ]);
    const real = independentListing(FASHION);
    const kinds = (l: H5Listing) => [...new Set(l.h5.groups.map((g) => g.path.replace(/_\d+(?=\/|$)/g, '')))].filter((p) => !p.startsWith('optimizer')).sort();
    assert.deepEqual(kinds(lk).filter((p) => !p.includes('dropout')), kinds(real).filter((p) => !p.includes('dropout')));
    assert.deepEqual(lk.h5.groups.find((g) => g.path === 'layers/conv2d/vars')!.attrs, { name: 'conv2d_2' });
    assert.deepEqual(lk.h5.groups.find((g) => g.path === 'vars')!.attrs, { name: 'sequential_2' });
    assert.ok(lk.h5.datasets.every((d) => d.chunks === null && d.compression === null && d.dtype === 'float32'));
    assert.deepEqual(lk.zip!.map((m) => [m.name, m.compress_type]), [['metadata.json', 0], ['config.json', 0], ['model.weights.h5', 0]]);
    const cfg = lk.config as { module: string; class_name: string; config: { layers: { module: string; class_name: string; config: Record<string, unknown> }[] } };
    assert.equal(cfg.module, 'keras');
    assert.equal(cfg.config.layers[0]!.class_name, 'InputLayer');
    assert.deepEqual(cfg.config.layers[0]!.config.batch_shape, [null, 28, 28, 1]);
    assert.ok(cfg.config.layers.every((l) => l.module === 'keras.layers' && !('batch_input_shape' in l.config)));
    // Read back through Graft: TF-Keras names map to the tfjs names, bytes equal the tfjs source.
    await using src = await openCheckpoint(DIGITS_TFJS);
    await using back = await openCheckpoint(keras);
    const map = keras3NameMap(back)!;
    assert.equal(Object.keys(map).length, 8);
    for (const [k3, tf] of Object.entries(map)) assert.deepEqual((await back.read(k3)).data, (await src.read(tf)).data, tf);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Keras 3 write plans refuse what Keras could not load', () => {
  const cfg = toKeras3Config({ class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3] } }] } });
  assert.deepEqual(planKeras3Weights(['d/kernel', 'd/bias'], cfg, 'x').datasets, [
    { name: 'd/kernel', datasetPath: 'layers/dense/vars/0' }, { name: 'd/bias', datasetPath: 'layers/dense/vars/1' },
  ]);
  const code = (f: () => unknown) => { try { f(); } catch (e) { assert.ok(e instanceof GraftError); return e.code; } return 'none'; };
  assert.equal(code(() => planKeras3Weights(['d/kernel'], cfg, 'x')), 'keras3_missing_weight');
  assert.equal(code(() => planKeras3Weights(['d/kernel', 'd/bias', 'e/kernel'], cfg, 'x')), 'keras3_unplaced_tensor');
  assert.equal(code(() => planKeras3Weights(['d/kernel'], undefined, 'x')), 'keras3_config_required');
  assert.equal(code(() => toKeras3Config({ class_name: 'Dense', config: {} })), 'not_a_model_config');
});

test('Keras 3 → tfjs with TF-Keras names and back to .weights.h5 by the .keras config: same bytes at the same Keras 3 paths', async () => {
  const STOCK = join(root, 'test/fixtures/keras3/stock-lstm-keras341/model.keras');
  const dir = await mkdtemp(join(tmpdir(), 'graft-k3w-'));
  try {
    const web = join(dir, 'web/model.json'), back = join(dir, 'back.weights.h5');
    const r1 = await convertCheckpoint(STOCK, web, { keras3Names: 'tf-keras', exclude: ['optimizer'] });
    assert.equal(r1.renamed, 8);
    assert.ok(r1.tensors.some((t) => t.source === 'lstm_1/cell/vars/1' && t.name === 'lstm_1/lstm_cell_1/recurrent_kernel'));
    await using src = await openCheckpoint(STOCK);
    const config = (src as { keras3?: { config?: unknown } }).keras3!.config;
    await convertCheckpoint(web, back, { modelTopology: config });
    await using out = await openCheckpoint(back);
    assert.deepEqual(out.list().map((t) => t.name), src.list().filter((t) => !t.name.startsWith('optimizer')).map((t) => t.name));
    for (const t of out.list()) assert.deepEqual((await out.read(t.name)).data, (await src.read(t.name)).data, t.name);
    await assert.rejects(convertCheckpoint(web, join(dir, 'x.keras')), (e: unknown) => e instanceof GraftError && e.code === 'keras3_config_required');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
