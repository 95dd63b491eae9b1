import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FormatError, InvalidArgumentError } from '../../src/errors.js';
import { formatCheckpointState, parseCheckpointState, readCheckpointState, writeCheckpointState } from '../../src/formats/state-file.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const STATE_FILES = ['hsbarker-estimator-cnn-adam', 'aplain-basic-lstm', 'caicloud-mnist-ema', 'caicloud-v1v2-ema-known-values', 'football-default-variable-names', 'lq6h-uniquified-names', 'hose-learn-linear-ftrl-part0']
  .map((d) => `tf1-bundle/${d}/checkpoint`)
  .concat(['tf2-bundle/little-ruan-keras-adam-2shards/checkpoint', 'tf2-bundle/charity-keras-save-weights-adam/checkpoint']);
const tmp = mkdtempSync(join(tmpdir(), 'graft-state-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('every TF-written `checkpoint` file parses and formats back byte-identical', () => {
  for (const f of STATE_FILES) {
    const text = readFileSync(FIXTURES + f, 'utf8');
    const s = parseCheckpointState(text, f);
    assert.ok(s.modelCheckpointPath.length > 0);
    assert.equal(s.allModelCheckpointPaths.at(-1), s.modelCheckpointPath, f);
    assert.equal(formatCheckpointState(s), text, f);
  }
});

test('CheckpointManager fields: timestamps and last_preserved_timestamp print as Python repr', () => {
  const text = formatCheckpointState({
    modelCheckpointPath: 'ckpt-3',
    allModelCheckpointPaths: ['ckpt-2', 'ckpt-3'],
    allModelCheckpointTimestamps: [1700000000.123456, 1700000600],
    lastPreservedTimestamp: 1699990000.5,
  });
  assert.equal(text, [
    'model_checkpoint_path: "ckpt-3"',
    'all_model_checkpoint_paths: "ckpt-2"',
    'all_model_checkpoint_paths: "ckpt-3"',
    'all_model_checkpoint_timestamps: 1700000000.123456',
    'all_model_checkpoint_timestamps: 1700000600.0',
    'last_preserved_timestamp: 1699990000.5',
    '',
  ].join('\n'));
  assert.deepEqual(parseCheckpointState(text).allModelCheckpointTimestamps, [1700000000.123456, 1700000600]);
  // proto3: a zero last_preserved_timestamp is not printed.
  assert.equal(formatCheckpointState({ modelCheckpointPath: 'a', allModelCheckpointPaths: ['a'], allModelCheckpointTimestamps: [], lastPreservedTimestamp: 0 }), 'model_checkpoint_path: "a"\nall_model_checkpoint_paths: "a"\n');
});

test('strings are C-escaped as text_format (octal for non-ASCII bytes) and unescaped on parse', () => {
  const path = 'runs/模型 "a"\\b\tc\'';
  const text = formatCheckpointState({ modelCheckpointPath: path, allModelCheckpointPaths: [path], allModelCheckpointTimestamps: [] });
  assert.equal(text.split('\n')[0], 'model_checkpoint_path: "runs/\\346\\250\\241\\345\\236\\213 \\"a\\"\\\\b\\tc\\\'"');
  assert.equal(parseCheckpointState(text).modelCheckpointPath, path);
});

test('parse follows text_format.Merge: any order, lists, comments, single quotes, adjacent strings, last scalar wins', () => {
  const s = parseCheckpointState([
    '# written by hand',
    "all_model_checkpoint_paths: ['a', \"b\"]",
    'model_checkpoint_path: "x" \'y\'',
    'model_checkpoint_path: "b";',
    'all_model_checkpoint_timestamps: [1e3, 2.5]',
    'last_preserved_timestamp: inf',
  ].join('\n'));
  assert.deepEqual(s, { modelCheckpointPath: 'b', allModelCheckpointPaths: ['a', 'b'], allModelCheckpointTimestamps: [1000, 2.5], lastPreservedTimestamp: Infinity });
});

test('bad_state_file: unknown field, missing colon, unterminated string, wrong value type', () => {
  const cases: [string, RegExp][] = [
    ['model_path: "a"', /state: line 1: Message type "tensorflow\.CheckpointState" has no field named "model_path"/],
    ['model_checkpoint_path "a"', /state: line 1: expected ':' after model_checkpoint_path/],
    ['model_checkpoint_path: "a\nall_model_checkpoint_paths: "a"', /state: line 1: string is not terminated/],
    ['all_model_checkpoint_timestamps: "x"', /state: line 1: expected a number for all_model_checkpoint_timestamps/],
    ['model_checkpoint_path: 12', /state: line 1: expected a string value for model_checkpoint_path/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseCheckpointState(text, 'state'), (e: unknown) => e instanceof FormatError && e.code === 'bad_state_file' && re.test(e.message));
  }
});

test('readCheckpointState joins relative paths onto the directory and keeps absolute ones; missing file → undefined', async () => {
  const dir = join(tmp, 'read');
  mkdirSync(dir);
  writeFileSync(join(dir, 'checkpoint'), 'model_checkpoint_path: "model.ckpt-2"\nall_model_checkpoint_paths: "/abs/model.ckpt-1"\nall_model_checkpoint_paths: "model.ckpt-2"\n');
  assert.deepEqual(await readCheckpointState(dir), {
    modelCheckpointPath: `${dir}/model.ckpt-2`,
    allModelCheckpointPaths: ['/abs/model.ckpt-1', `${dir}/model.ckpt-2`],
    allModelCheckpointTimestamps: [],
  });
  assert.equal(await readCheckpointState(join(tmp, 'nowhere')), undefined);
  const fx = await readCheckpointState(`${FIXTURES}tf1-bundle/hsbarker-estimator-cnn-adam`);
  assert.equal(fx!.modelCheckpointPath, `${FIXTURES}tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000`);
  writeFileSync(join(dir, 'other'), 'all_model_checkpoint_paths: "a"\n');
  await assert.rejects(readCheckpointState(dir, { latestFilename: 'other' }), (e: FormatError) => e.code === 'invalid_checkpoint_state' && e.message.startsWith(`Invalid checkpoint state loaded from ${dir}`));
  await assert.rejects(readCheckpointState(dir, { latestFilename: '../x' }), (e: InvalidArgumentError) => e.code === 'invalid_latest_filename');
});

test('writeCheckpointState: atomic, appends the model path, relativises as TF does', async () => {
  const dir = join(tmp, 'write');
  mkdirSync(dir);
  await writeCheckpointState(dir, { modelCheckpointPath: `${dir}/m-3`, allModelCheckpointPaths: [`${dir}/m-1`, `${dir}/m-2`], allModelCheckpointTimestamps: [] });
  assert.equal(readFileSync(join(dir, 'checkpoint'), 'utf8'), `model_checkpoint_path: "${dir}/m-3"\nall_model_checkpoint_paths: "${dir}/m-1"\nall_model_checkpoint_paths: "${dir}/m-2"\nall_model_checkpoint_paths: "${dir}/m-3"\n`);
  await writeCheckpointState(dir, { modelCheckpointPath: `${dir}/m-3`, allModelCheckpointPaths: [`${dir}/m-3`], allModelCheckpointTimestamps: [1.5] }, { saveRelativePaths: true });
  assert.equal(readFileSync(join(dir, 'checkpoint'), 'utf8'), 'model_checkpoint_path: "m-3"\nall_model_checkpoint_paths: "m-3"\nall_model_checkpoint_timestamps: 1.5\n');
  assert.deepEqual(readdirSync(dir), ['checkpoint']); // no temp file left
  // A relative save_dir rewrites relative paths relative to it: ckpts/model-10 in ckpts → model-10.
  const rel = relative(process.cwd(), dir);
  await writeCheckpointState(rel, { modelCheckpointPath: `${rel}/model-10`, allModelCheckpointPaths: [], allModelCheckpointTimestamps: [] });
  assert.equal(readFileSync(join(dir, 'checkpoint'), 'utf8'), 'model_checkpoint_path: "model-10"\nall_model_checkpoint_paths: "model-10"\n');
  await assert.rejects(writeCheckpointState(dir, { modelCheckpointPath: 'a', allModelCheckpointPaths: ['a'], allModelCheckpointTimestamps: [1, 2] }), { code: 'timestamps_mismatch' });
  await assert.rejects(writeCheckpointState(dir, { modelCheckpointPath: join(dir, 'checkpoint'), allModelCheckpointPaths: [], allModelCheckpointTimestamps: [] }), (e: InvalidArgumentError) => e.code === 'state_path_conflict' && /conflicts with path used for checkpoint state\.  Please use a different save path\./.test(e.message));
  await assert.rejects(writeCheckpointState(join(tmp, 'missing-dir'), { modelCheckpointPath: 'a', allModelCheckpointPaths: [], allModelCheckpointTimestamps: [] }), { code: 'directory_missing' });
});

test('readCheckpointStateDetailed: an absolute path into another directory is read as this directory\'s file of that name when it is a checkpoint here; lines reported', async () => {
  const { readCheckpointStateDetailed } = await import('../../src/formats/state-file.js');
  const dir = join(tmp, 'moved');
  mkdirSync(dir);
  writeFileSync(join(dir, 'model.ckpt-2.index'), 'x');
  writeFileSync(join(dir, 'model.ckpt-3.safetensors'), 'x');
  writeFileSync(join(dir, 'checkpoint'), [
    'model_checkpoint_path: "/old/run/model.ckpt-3.safetensors"',
    'all_model_checkpoint_paths: "/old/run/model.ckpt-1"',      // not here: kept as written (TF)
    'all_model_checkpoint_paths: "/old/run/model.ckpt-2"',      // here as .index
    'all_model_checkpoint_paths: [ "/old/run/model.ckpt-3.safetensors" ]',
    '',
  ].join('\n'));
  const d = (await readCheckpointStateDetailed(dir))!;
  assert.deepEqual(d.state.allModelCheckpointPaths, ['/old/run/model.ckpt-1', `${dir}/model.ckpt-2`, `${dir}/model.ckpt-3.safetensors`]);
  assert.equal(d.state.modelCheckpointPath, `${dir}/model.ckpt-3.safetensors`);
  assert.deepEqual(d.lines, { modelCheckpointPath: 1, allModelCheckpointPaths: [2, 3, 4] });
  assert.deepEqual(d.relocated, [
    { from: '/old/run/model.ckpt-2', to: `${dir}/model.ckpt-2`, line: 3 },
    { from: '/old/run/model.ckpt-3.safetensors', to: `${dir}/model.ckpt-3.safetensors`, line: 4 },
  ]);
  assert.equal(d.written.modelCheckpointPath, '/old/run/model.ckpt-3.safetensors');
  // an absolute path that already points into this directory is not a relocation
  writeFileSync(join(dir, 'checkpoint'), `model_checkpoint_path: "${dir}/model.ckpt-2"\n`);
  assert.deepEqual((await readCheckpointStateDetailed(dir))!.relocated, []);
});
