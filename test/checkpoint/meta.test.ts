import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { buildMeta, writeMeta, readMeta, metaPathFor } from '../../src/checkpoint/index.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { FormatError } from '../../src/errors.js';
import { tempDir } from './helpers.js';

test('meta.json round-trips and lists variables with checkpoint dtypes in model order', async () => {
  await initBackend();
  const { dir, cleanup } = await tempDir();
  try {
    const ps = new ParameterSet();
    ps.add('conv1/weights', newVariable('conv1/weights', tf.zeros([3, 3, 1, 2])));
    ps.add('global_step', newVariable('global_step', tf.scalar(0, 'int32'), { trainable: false }), { trainable: false, saveDtype: 'int64' });
    const meta = buildMeta(ps, { model: { name: 'mnist-cnn', config: { filters: 2 } }, labels: ['0', '1'], extra: { note: 'x' } });
    const prefix = join(dir, 'model.ckpt-5');
    assert.equal(await writeMeta(prefix, meta), `${prefix}.meta.json`);
    assert.equal(metaPathFor(prefix), `${prefix}.meta.json`);
    assert.deepEqual(await readMeta(prefix), meta);
    assert.deepEqual(JSON.parse(await readFile(`${prefix}.meta.json`, 'utf8')), {
      format: 'graft-meta',
      version: 1,
      model: { name: 'mnist-cnn', config: { filters: 2 } },
      variables: [
        { name: 'conv1/weights', dtype: 'float32', shape: [3, 3, 1, 2], trainable: true },
        { name: 'global_step', dtype: 'int64', shape: [], trainable: false },
      ],
      labels: ['0', '1'],
      extra: { note: 'x' },
    });
  } finally {
    await cleanup();
  }
});

test('readMeta rejects what is not a graft-meta v1 document, with its own message each', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const cases: [string, RegExp][] = [
      ['{not json', /is not JSON/],
      ['{"format": "tfjs-layers"}', /is not a graft-meta file \(format field: "tfjs-layers"\)/],
      ['{"format": "graft-meta", "version": 2, "variables": []}', /has graft-meta version 2; this Graft reads version 1/],
      ['{"format": "graft-meta", "version": 1, "variables": [{"name": 3}]}', /"variables" must be a list of \{name, dtype, shape, trainable\}/],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const path = join(dir, `m${i}.meta.json`);
      await writeFile(path, text);
      await assert.rejects(readMeta(path), (e: unknown) => e instanceof FormatError && e.code === 'bad_meta' && message.test(e.message));
    }
  } finally {
    await cleanup();
  }
});
