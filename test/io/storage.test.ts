import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir as nodeReaddir } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../src/runtime/backend.js';
import { CheckpointManager, Saver, latestCheckpoint, listVariables } from '../../src/checkpoint/index.js';
import { openCheckpoint } from '../../src/formats/open.js';
import { writeCheckpoint } from '../../src/formats/write.js';
import { MemoryBackend, StorageFs, mountFiles } from '../../src/io/storage/index.js';
import { StorageFile } from '../../src/io/storage/store.js';
import { mkdir, readdir, stat } from '../../src/io/fs.js';
import { GraftError } from '../../src/errors.js';
import { makeParams, valuesOf } from '../checkpoint/helpers.js';
import type { TensorValue } from '../../src/formats/types.js';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures');

before(async () => {
  await initBackend();
});

const bytesOf = (v: TensorValue) => Array.from(v.data);

test('Saver into mem:// storage: latestCheckpoint, listVariables and restore give back the same values', async () => {
  const params = makeParams([['net/w', [3, 4]], ['net/b', [4]]], 7);
  const saver = new Saver({ varList: params });
  const dir = 'mem://runs/saver-a';
  await mkdir(dir, { recursive: true }); // TF's Saver wants the parent directory to exist
  assert.equal(await saver.save(`${dir}/model.ckpt`, { globalStep: 5 }), `${dir}/model.ckpt-5`);
  await saver.save(`${dir}/model.ckpt`, { globalStep: 9 });
  assert.equal(await latestCheckpoint(dir), `${dir}/model.ckpt-9`);
  assert.deepEqual((await listVariables(`${dir}/model.ckpt-9`)).map((v) => v.name), ['net/b', 'net/w']);
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('model.ckpt-9')), ['model.ckpt-9.data-00000-of-00001', 'model.ckpt-9.index']);
  const fresh = makeParams([['net/w', [3, 4]], ['net/b', [4]]], 99);
  await new Saver({ varList: fresh }).restore(`${dir}/model.ckpt-9`);
  assert.deepEqual(valuesOf(fresh), valuesOf(params));
});

test('a publish into storage is all or nothing: a failed record write keeps the old checkpoint whole', async () => {
  const backend = new MemoryBackend();
  const fs = new StorageFs('mem', backend);
  const file = (name: string, text: string) => { const f = new StorageFile(name); void f.write(new TextEncoder().encode(text)); return f; };
  await fs.publish('run', [file('a.index', 'old-index'), file('a.data', 'old-data')]);
  const put = backend.put.bind(backend);
  let failRecord = true;
  backend.put = async (key, data) => {
    if (failRecord && key.startsWith('d:run')) throw new Error('simulated crash at the commit point');
    return put(key, data);
  };
  await assert.rejects(fs.publish('run', [file('a.index', 'new-index'), file('a.data', 'new-data')]), /simulated crash/);
  const read = async (n: string) => new TextDecoder().decode(await (await fs.open(`run/${n}`)).readAll(100));
  assert.equal(await read('a.index'), 'old-index');
  assert.equal(await read('a.data'), 'old-data');
  failRecord = false;
  await fs.publish('run', [file('a.index', 'new-index'), file('a.data', 'new-data')], ['gone']);
  assert.equal(await read('a.index'), 'new-index');
  assert.equal(await read('a.data'), 'new-data');
  assert.deepEqual(await fs.readdir('run'), ['a.data', 'a.index']);
});

test('writeCheckpoint to mem:// in each writable format reads back bit-identical', async () => {
  const src = await openCheckpoint(join(FIXTURES, 'tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt'));
  const tensors: TensorValue[] = [];
  for (const t of src.list()) if (t.dtype !== 'string') tensors.push(await src.read(t.name));
  await src.close();
  for (const dest of ['mem://w/ckpt/model.ckpt-3', 'mem://w/st/model.safetensors', 'mem://w/web/model.json']) {
    await writeCheckpoint(dest, tensors);
    const r = await openCheckpoint(dest);
    try {
      assert.equal(r.list().length, tensors.length, dest);
      for (const t of tensors) assert.deepEqual(bytesOf(await r.read(t.name)), bytesOf(t), `${dest} ${t.name}`);
    } finally {
      await r.close();
    }
  }
  assert.equal((await stat('mem://w/ckpt')).isDirectory(), true);
  await assert.rejects(stat('mem://w/nothing'), (e: unknown) => e instanceof GraftError && e.code === 'file_not_found');
});

test('mountFiles: a TF checkpoint handed over as Blobs opens like the files', async () => {
  const dir = join(FIXTURES, 'tf1-bundle/hsbarker-estimator-cnn-adam');
  const files: Record<string, Blob> = {};
  for (const n of await nodeReaddir(dir)) files[n] = new Blob([await readFile(join(dir, n))]);
  const root = await mountFiles(files);
  assert.match(root, /^mem:\/\/mount-\d+\/$/);
  const viaMount = await openCheckpoint(root); // the directory: its `checkpoint` state file names the latest
  const local = await openCheckpoint(join(dir, 'model.ckpt-20000'));
  try {
    assert.deepEqual(viaMount.list(), local.list());
    for (const t of local.list()) assert.deepEqual(bytesOf(await viaMount.read(t.name)), bytesOf(await local.read(t.name)));
  } finally {
    await viaMount.close();
    await local.close();
  }
});

test('CheckpointManager on mem:// storage: saves, retention, a second manager is refused while the first holds the run, resume', async () => {
  const dir = 'mem://runs/manager-a';
  const model = makeParams([['m/w', [2, 3]], ['m/b', [3]]], 3);
  const m1 = new CheckpointManager(dir, { params: model, maxToKeep: 2 });
  await m1.restoreOrInitialize();
  for (const step of [1, 2, 3]) await m1.save(step);
  await assert.rejects(new CheckpointManager(dir, { params: makeParams([['m/w', [2, 3]], ['m/b', [3]]], 4) }).restoreOrInitialize(),
    (e: unknown) => e instanceof GraftError && e.code === 'run_locked');
  assert.equal(await latestCheckpoint(dir), `${dir}/model.ckpt-3`);
  assert.ok(!(await readdir(dir)).some((n) => n.startsWith('model.ckpt-1.')), 'retention deleted step 1');
  await m1.close();
  const again = makeParams([['m/w', [2, 3]], ['m/b', [3]]], 5);
  const m2 = new CheckpointManager(dir, { params: again });
  const r = await m2.restoreOrInitialize();
  await m2.close();
  assert.equal(r.action, 'resumed');
  assert.deepEqual(valuesOf(again), valuesOf(model));
});
