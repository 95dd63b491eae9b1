// Keras 3 reads on real files (test/fixtures/keras3, MANIFEST.md): every weight read and compared
// with an independent reader (h5py through scripts/keras-listing.py: same paths, shapes, dtypes,
// sha256 of the bytes), shapes checked against config.json, names mapped to TF-Keras names;
// then damaged archives → typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { openKerasH5, keras3NameMap, type KerasH5Reader } from '../../../src/formats/keras-h5/index.js';
import { openCheckpoint, detectFormat } from '../../../src/formats/open.js';
import { decodeValues } from '../../../src/formats/stats.js';
import { GraftError } from '../../../src/errors.js';
import { independentListing, pythonWithH5py } from './keras3-listing.js';

const root = new URL('../../../..', import.meta.url).pathname;
const FIX = join(root, 'test/fixtures/keras3');
const STOCK = join(FIX, 'stock-lstm-keras341/model.keras');
const FASHION = join(FIX, 'fashion-cnn-keras310/model.keras');
const DIAB = join(FIX, 'diabetes-dense-weights-h5/model.weights.h5');
const DIAB_CONFIG = join(FIX, 'diabetes-dense-weights-h5/model.json');
const NO_PY = pythonWithH5py() ? false : 'no python3 with h5py (Debian python3-h5py; scripts/setup.sh installs it)';

const NP_DTYPE: Record<string, string> = { float32: 'float32', int64: 'int64', float64: 'float64', float16: 'float16', int32: 'int32' };

/** Every dataset of the file is a weight of the reader, with equal shape, dtype and bytes. */
async function assertSameAsH5py(path: string, r: KerasH5Reader): Promise<number> {
  const listing = independentListing(path);
  const byPath = new Map(r.keras3!.names.map((n) => [n.path, n.name]));
  assert.equal(listing.h5.datasets.length, r.list().length);
  for (const d of listing.h5.datasets) {
    const name = byPath.get(d.path);
    assert.ok(name, `dataset ${d.path} has no weight in Graft's listing`);
    const v = await r.read(name);
    assert.deepEqual(v.shape, d.shape, d.path);
    assert.equal(v.dtype, NP_DTYPE[d.dtype], d.path);
    assert.equal(createHash('sha256').update(v.data).digest('hex'), d.sha256, `${d.path}: bytes differ from h5py's`);
  }
  return listing.h5.datasets.length;
}

interface Cfg { class_name: string; config: Record<string, unknown>; build_config?: { input_shape: number[] } }
const layersOf = (config: unknown): Cfg[] => ((config as { config: { layers: Cfg[] } }).config.layers);

test('real .keras (Keras 3.4.1, LSTM×2 + Dense): every weight equals h5py\'s, shapes follow config.json, TF-Keras names', { skip: NO_PY }, async () => {
  await using r = await openKerasH5(STOCK);
  assert.equal(r.metadata.keras_version, '3.4.1');
  assert.equal(await assertSameAsH5py(STOCK, r), 26);
  const map = keras3NameMap(r)!;
  assert.deepEqual(map, {
    'dense/vars/0': 'dense/kernel', 'dense/vars/1': 'dense/bias',
    'lstm/cell/vars/0': 'lstm/lstm_cell/kernel', 'lstm/cell/vars/1': 'lstm/lstm_cell/recurrent_kernel', 'lstm/cell/vars/2': 'lstm/lstm_cell/bias',
    'lstm_1/cell/vars/0': 'lstm_1/lstm_cell_1/kernel', 'lstm_1/cell/vars/1': 'lstm_1/lstm_cell_1/recurrent_kernel', 'lstm_1/cell/vars/2': 'lstm_1/lstm_cell_1/bias',
  });
  // Shapes from the config: LSTM kernel [in, 4u], recurrent [u, 4u], bias [4u]; Dense [in, units].
  const layers = layersOf(r.keras3!.config);
  const lstm = layers.filter((l) => l.class_name === 'LSTM');
  for (const [i, l] of lstm.entries()) {
    const u = l.config.units as number, inDim = l.build_config!.input_shape.at(-1)!;
    const p = i === 0 ? 'lstm' : `lstm_${i}`;
    assert.deepEqual(r.info(`${p}/cell/vars/0`).shape, [inDim, 4 * u]);
    assert.deepEqual(r.info(`${p}/cell/vars/1`).shape, [u, 4 * u]);
    assert.deepEqual(r.info(`${p}/cell/vars/2`).shape, [4 * u]);
  }
  // Optimizer: iterations int64 scalar first, then Adam m/v per trainable variable.
  assert.deepEqual(r.info('optimizer/vars/0'), { name: 'optimizer/vars/0', dtype: 'int64', shape: [], bytes: 8 });
  assert.ok(((decodeValues(await r.read('optimizer/vars/0')) as BigInt64Array)[0]!) > 0n);
});

test('real .keras (Keras 3.10, Conv2D×2 + Dense×2, name attrs): h5py-identical, kernel shapes from config', { skip: NO_PY }, async () => {
  await using r = await openCheckpoint(FASHION) as KerasH5Reader;
  assert.equal(await detectFormat(FASHION), 'keras-h5');
  assert.equal(r.metadata.keras_version, '3.10.0');
  assert.equal(await assertSameAsH5py(FASHION, r), 26);
  const map = keras3NameMap(r)!;
  const layers = layersOf(r.keras3!.config).filter((l) => l.class_name === 'Conv2D' || l.class_name === 'Dense');
  assert.equal(Object.keys(map).length, 2 * layers.length);
  for (const l of layers) {
    const name = l.config.name as string;
    const kernel = Object.keys(map).find((k) => map[k] === `${name}/kernel`)!;
    const inDim = l.build_config!.input_shape.at(-1)!;
    const expected = l.class_name === 'Dense' ? [inDim, l.config.units] : [...(l.config.kernel_size as number[]), inDim, l.config.filters];
    assert.deepEqual(r.info(kernel).shape, expected, name);
    assert.equal(map[kernel.replace(/0$/, '1')], `${name}/bias`);
  }
});

test('real bare .weights.h5: mapped by class + variable count without config, by config.json with it', { skip: NO_PY }, async () => {
  await using bare = await openKerasH5(DIAB);
  assert.equal(await assertSameAsH5py(DIAB, bare), 20);
  const byCount = bare.keras3!.names.filter((n) => n.tfName);
  assert.deepEqual(byCount.map((n) => [n.name, n.tfName, n.source]), [
    ['dense/vars/0', 'dense/kernel', 'variable_count'], ['dense/vars/1', 'dense/bias', 'variable_count'],
    ['dense_1/vars/0', 'dense_1/kernel', 'variable_count'], ['dense_1/vars/1', 'dense_1/bias', 'variable_count'],
    ['dense_2/vars/0', 'dense_2/kernel', 'variable_count'], ['dense_2/vars/1', 'dense_2/bias', 'variable_count'],
  ]);
  assert.match(bare.keras3!.names.find((n) => n.name === 'optimizer/vars/3')!.reason!, /optimizer/);
  const config = JSON.parse(await readFile(DIAB_CONFIG, 'utf8'));
  await using withCfg = await openKerasH5(DIAB, { config });
  assert.deepEqual(keras3NameMap(withCfg), keras3NameMap(bare));
  assert.ok(withCfg.keras3!.names.filter((n) => n.tfName).every((n) => n.source === 'config'));
  // The config's Dense units fix the kernel shapes.
  const dense = layersOf(config).filter((l) => l.class_name === 'Dense');
  assert.deepEqual(dense.map((l, i) => withCfg.info(`${i === 0 ? 'dense' : `dense_${i}`}/vars/0`).shape[1]), dense.map((l) => l.config.units));
  // Keras 3 paths and values: the same bytes whichever way the file is opened.
  assert.deepEqual((await bare.read('dense_2/vars/0')).data, (await withCfg.read('dense_2/vars/0')).data);
});

async function expectCode(p: Promise<unknown>, code: string): Promise<GraftError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GraftError, `expected GraftError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.hint && e.hint.length > 10);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test('damaged .keras archives: typed errors with hints, no temp files left', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-k3-bad-'));
  try {
    const good = new Uint8Array(await readFile(STOCK));
    const write = async (name: string, b: Uint8Array) => { const p = join(dir, name); await writeFile(p, b); return p; };
    await expectCode(openKerasH5(await write('trunc.keras', good.subarray(0, good.length - 1000))), 'bad_zip');
    // One flipped byte inside model.weights.h5 (stored uncompressed): caught by the CRC-32.
    const flipped = good.slice();
    flipped[Math.floor(good.length / 2)] ^= 0x40;
    await expectCode(openKerasH5(await write('flip.keras', flipped)), 'crc_mismatch');
    const noWeights = zipSync({ 'config.json': new TextEncoder().encode('{}'), 'metadata.json': new TextEncoder().encode('{}') }, { level: 0 });
    await expectCode(openKerasH5(await write('nowts.keras', noWeights)), 'not_keras_archive');
    const npz = zipSync({ 'config.json': new TextEncoder().encode('{}'), 'model.weights.npz': new Uint8Array(10) }, { level: 0 });
    await expectCode(openKerasH5(await write('npz.keras', npz)), 'unsupported_keras_weights');
    const badJson = zipSync({ 'config.json': new TextEncoder().encode('{'), 'model.weights.h5': new Uint8Array(8) }, { level: 0 });
    await expectCode(openKerasH5(await write('json.keras', badJson)), 'bad_keras_json');
    const notH5 = zipSync({ 'config.json': new TextEncoder().encode('{}'), 'model.weights.h5': new Uint8Array(4096) }, { level: 0 });
    await expectCode(openKerasH5(await write('noth5.keras', notH5)), 'hdf5_error');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('detection: a .keras under another name is found by its zip directory; other zips are not Keras', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-k3-det-'));
  try {
    const renamed = join(dir, 'model.bin');
    await writeFile(renamed, await readFile(STOCK));
    assert.equal(await detectFormat(renamed), 'keras-h5');
    await using r = await openCheckpoint(renamed);
    assert.equal(r.list().length, 26);
    const torchZip = join(dir, 'archive.zip');
    await writeFile(torchZip, zipSync({ 'archive/data.pkl': new Uint8Array([0x80, 2]) }, { level: 0 }));
    assert.equal(await detectFormat(torchZip), 'pytorch', 'a zip led by <archive>/data.pkl is torch.save\'s layout, not Keras');
    const other = join(dir, 'notes.zip');
    await writeFile(other, zipSync({ 'notes.txt': new TextEncoder().encode('hello') }, { level: 0 }));
    assert.equal(await detectFormat(other), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
