// `graft convert SRC DIR/model.json --topology T` through bin/graft: a full-model Keras .h5 as its own
// topology (its model_config), opened with tf.loadLayersModel and still converting °C to °F; a
// weights-only .h5 with a JSON topology; flags that clash with --topology; a topology file that is
// none.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ExportLayersModelReport } from '../../src/layers/index.js';
import { fileHandler, setupBackend } from '../layers/helpers.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/graft');
const fx = (p: string) => join(root, 'test/fixtures', p);
const run = promisify(execFile);

before(async () => {
  await setupBackend();
});

test('graft convert model.h5 web/model.json --topology model.h5: tf.loadLayersModel opens it and it converts °C to °F', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-cli-topology-'));
  try {
    const h5 = fx('keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5');
    const dst = join(dir, 'web', 'model.json');
    const { stdout } = await run(bin, ['convert', h5, dst, '--topology', h5, '--json']);
    const r = JSON.parse(stdout) as ExportLayersModelReport;
    assert.equal(r.topology, 'keras-config');
    assert.equal(r.restore.mapping, 'keras');
    assert.equal(r.written, 6);
    const m = await tfl.loadLayersModel(fileHandler(dst));
    const f = (m.predict(tf.tensor2d([[37]])) as tf.Tensor).dataSync()[0]!;
    assert.ok(Math.abs(f - 98.6) < 1, `37 °C → ${f} °F`);
    const text = await run(bin, ['convert', h5, dst, '--topology', h5, '--overwrite']);
    assert.match(text.stdout, /^converted 6 tensors .* to .*model\.json \(tfjs\)\nnote: topology: keras-config; weights restored with the keras name mapping/);
    const clash = await run(bin, ['convert', h5, dst, '--topology', h5, '--rename', 'a=b']).catch((e) => e);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /--topology does not combine with --rename/);
    await writeFile(join(dir, 'nothing.json'), '{"hello": 1}');
    const bad = await run(bin, ['convert', h5, join(dir, 'o', 'model.json'), '--topology', join(dir, 'nothing.json')]).catch((e) => e);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /code: bad_topology/);
    const weightsOnly = await run(bin, ['convert', h5, join(dir, 'p', 'model.json'), '--topology', fx('keras-h5/digits-cnn-weights-only/model.h5')]).catch((e) => e);
    assert.equal(weightsOnly.code, 1);
    assert.match(weightsOnly.stderr, /holds weights only \(no model_config\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
