// The CLI on a model and data that are not built in: a builder module and BANKING77 intents written
// as a text file per class (the text-classifier article's layout) go through train → eval →
// resume → class change → transfer-common → transfer; MNIST digits written as PNG class folders
// train a tfjs-converter model.json with a new head. Real tfjs training, fixed seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEventFile } from '../../src/train/summary/event-reader.js';
import { openCheckpoint } from '../../src/formats/open.js';
import { writeIntentFiles, writeMnistFolders } from '../models/data/user/helpers.js';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;
const F = new URL('../../../test/fixtures/', import.meta.url).pathname;
const graft = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', timeout: 120_000 });
const json = (args: string[]) => {
  const r = graft([...args, '--json']);
  assert.equal(r.status, 0, `graft ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout);
};

const BUILD_A = `export function build({ numClasses, vocabSize, maxLength, seed, tf }) {
  return tf.sequential({ layers: [
    tf.layers.embedding({ inputDim: vocabSize, outputDim: 16, inputLength: maxLength, name: 'embedding', embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }),
    tf.layers.globalAveragePooling1d({ name: 'pool' }),
    tf.layers.dense({ units: numClasses, activation: 'softmax', name: 'head', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
  ] });
}`;
// another architecture sharing only the embedding: functional, a hidden layer, a logits head
const BUILD_B = `export function build({ numClasses, vocabSize, maxLength, seed, tf }) {
  const input = tf.input({ shape: [maxLength] });
  const e = tf.layers.embedding({ inputDim: vocabSize, outputDim: 16, name: 'embedding' }).apply(input);
  const h = tf.layers.dense({ units: 12, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(tf.layers.globalMaxPooling1d().apply(e));
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: numClasses, name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(h) });
}`;

async function tensors(prefix: string): Promise<Map<string, string>> {
  const r = await openCheckpoint(prefix);
  try {
    const out = new Map<string, string>();
    for (const t of r.list()) out.set(t.name, Buffer.from((await r.read(t.name)).data).toString('base64'));
    return out;
  } finally {
    await r.close();
  }
}

test('graft train/eval/class change/transfer-common/transfer on a builder module and a text-file-per-class folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-user-'));
  try {
    const intents = join(dir, 'intents');
    await writeIntentFiles(intents, ['card_arrival', 'exchange_rate', 'lost_or_stolen_card'], 40);
    writeFileSync(join(dir, 'a.mjs'), BUILD_A);
    writeFileSync(join(dir, 'b.mjs'), BUILD_B);
    const base = ['--model', join(dir, 'a.mjs'), '--data', intents, '--learning-rate', '0.02', '--seed', '1'];

    // train: model.fit with the checkpoint and TensorBoard callbacks
    const a = json(['train', ...base, '--train-dir', join(dir, 'a'), '--epochs', '4']);
    assert.equal(a.model.format, 'js-module');
    assert.deepEqual(a.classNames, ['card_arrival', 'exchange_rate', 'lost_or_stolen_card']);
    assert.deepEqual([a.data.trainExamples, a.data.testExamples], [96, 24], '20% of each class held out');
    assert.equal(a.epochsDone, 4);
    assert.ok(a.finalAccuracy > 0.6, `accuracy ${a.finalAccuracy} well above chance (1/3)`);
    assert.match(a.latestCheckpoint, /model\.ckpt-4$/);
    const meta = JSON.parse(readFileSync(`${a.latestCheckpoint}.meta.json`, 'utf8'));
    assert.equal(meta.model.name, 'tfjs-layers');
    assert.deepEqual(meta.labels, a.classNames);
    assert.equal(meta.extra.userData.layout, 'text-files');
    assert.equal(meta.extra.vocabulary.length, a.data.vocabularySize);
    const train = await readEventFile(a.tensorboard[0]);
    const val = await readEventFile(a.tensorboard[1]);
    const tags = (evs: typeof train, tag: string) => evs.flatMap((e) => (e.summary?.value ?? []).filter((v) => v.tag === tag).map((v) => [e.step, v.simpleValue]));
    assert.equal(train[0]!.fileVersion, 'brain.Event:2');
    assert.deepEqual(tags(train, 'epoch_loss').map(([s]) => s), [0, 1, 2, 3]);
    assert.deepEqual(tags(val, 'epoch_acc').map(([, v]) => v), a.history.map((h: { val_acc: number }) => Math.fround(h.val_acc)));

    // eval rebuilds the model from .meta.json (no code) and re-derives the same test split
    const e = json(['eval', '--checkpoint', join(dir, 'a')]);
    assert.equal(e.accuracy, a.finalAccuracy);
    assert.equal(e.examples, 24);

    // exact resume: 2 epochs, then 2 more from the checkpoint = 4 in one run, bit for bit
    json(['train', ...base, '--train-dir', join(dir, 'r'), '--epochs', '2', '--no-tensorboard']);
    const r = json(['train', '--train-dir', join(dir, 'r'), '--epochs', '4', '--learning-rate', '0.02', '--no-tensorboard']);
    assert.equal(r.start.action, 'resumed');
    assert.deepEqual(await tensors(r.latestCheckpoint), await tensors(a.latestCheckpoint), 'weights and Adam state identical to the uninterrupted run');
    assert.ok(!readdirSync(join(dir, 'r')).includes('train'), '--no-tensorboard: no event files');

    // class change: one intent removed, one new; kept classes keep their head columns
    const intents2 = join(dir, 'intents2');
    await writeIntentFiles(intents2, ['card_arrival', 'exchange_rate', 'top_up_failed'], 40);
    const c = json(['train', '--classes-from', join(dir, 'a'), '--data', intents2, '--train-dir', join(dir, 'c'), '--epochs', '3', '--learning-rate', '0.02']);
    assert.equal(c.head.action, 'class-change');
    assert.deepEqual(c.head.plan, { kind: 'changed', summary: { kept: 2, new: 1, removed: 1 } });
    assert.deepEqual(c.classNames, ['card_arrival', 'exchange_rate', 'top_up_failed']);
    assert.deepEqual(c.head.newClassInit.imprinted, ['top_up_failed'], 'the new class starts imprinted from its training examples');
    assert.ok(c.data.vocabularySize > a.data.vocabularySize, 'the new intent\'s words were added to the vocabulary');
    assert.match(c.model.notes.join(' '), new RegExp(`vocabulary grown from ${a.data.vocabularySize} to ${c.data.vocabularySize} words`));
    assert.ok(c.finalAccuracy > 0.6, `after the class change: ${c.finalAccuracy}`);
    assert.equal(json(['eval', '--checkpoint', join(dir, 'c'), '--data', intents2]).examples, 120, '--data: every example of the folder');

    // transfer-common into another architecture built for the same data: the embedding is copied
    const out = join(dir, 'b-init', 'model.ckpt');
    const t = json(['transfer-common', join(dir, 'c'), join(dir, 'b.mjs'), '--match', 'shape', '--out', out]);
    assert.deepEqual(t.copied, ['embedding/embeddings']);
    assert.equal((await tensors(out)).get('embedding/embeddings'), (await tensors(c.latestCheckpoint)).get('embedding/embeddings'));
    const b = json(['train', '--classes-from', out, '--train-dir', join(dir, 'b'), '--epochs', '2', '--learning-rate', '0.02']);
    assert.equal(b.head.plan.kind, 'same');
    assert.deepEqual(b.trainedVariables, ['embedding/embeddings', 'hidden/kernel', 'hidden/bias', 'logits/kernel', 'logits/bias']);

    // transfer --mode freeze: a fresh head over the frozen body
    const f = json(['transfer', '--mode', 'freeze', '--from', join(dir, 'c'), '--data', intents, '--train-dir', join(dir, 'f'), '--epochs', '1', '--learning-rate', '0.02']);
    assert.deepEqual(f.trainedVariables, ['head/kernel', 'head/bias']);
    assert.deepEqual(f.frozenVariables, ['embedding/embeddings']);
    assert.equal(f.frozenChecksum.unchanged, true);
    // features: the frozen body runs once, the head trains on its features — the same head training
    const g = json(['transfer', '--mode', 'features', '--from', join(dir, 'c'), '--data', intents, '--train-dir', join(dir, 'g'), '--epochs', '1', '--learning-rate', '0.02']);
    assert.deepEqual(g.features, { width: 16, train: 96, test: 24 });
    assert.equal(g.frozenChecksum.unchanged, true);
    assert.ok(Math.abs(g.finalLoss - f.finalLoss) < 1e-4, `features ${g.finalLoss} vs freeze ${f.finalLoss}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('graft train --model model.json --data PNG folders: the head must fit the classes (--new-head replaces it); built-in-only flags are usage errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-user-img-'));
  try {
    const digits = join(dir, 'digits');
    await writeMnistFolders(digits, [0, 1, 7], 30);
    const model = join(F, 'tfjs/digits-cnn/model.json');
    const no = graft(['train', '--model', model, '--data', digits, '--json']);
    assert.equal(no.status, 1);
    const err = JSON.parse(no.stdout).error;
    assert.equal(err.code, 'head_size_mismatch');
    assert.match(err.message, /has 10 units but .* has 3 classes \(0, 1, 7\)/);
    assert.match(err.hint, /--new-head/);
    const r = json(['train', '--model', model, '--data', digits, '--new-head', '--epochs', '3', '--batch-size', '16', '--learning-rate', '0.003', '--train-dir', join(dir, 'run')]);
    assert.equal(r.head.action, 'resized');
    assert.equal(r.model.restored.restored, 8, 'the converted CNN\'s weights came from its model.json');
    assert.deepEqual(r.data.input, { kind: 'image', shape: [28, 28, 1] });
    assert.ok(r.finalAccuracy > 0.5, `accuracy ${r.finalAccuracy} above chance (1/3)`);
    const u = graft(['train', '--model', model, '--data', digits, '--tune-scope', 'dense']);
    assert.equal(u.status, 2);
    assert.match(u.stderr, /--trainable-scopes applies to built-in models only/);
    const d = graft(['train', '--model', 'mnist-cnn', '--test-split', '0.3']);
    assert.equal(d.status, 2);
    assert.match(d.stderr, /--test-split does nothing without --model FILE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('graft train --data: SIGINT finishes the epoch, saves it and exits 130; a diverging run stops with non_finite before saving', async () => {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-user-sig-'));
  try {
    const intents = join(dir, 'intents');
    await writeIntentFiles(intents, ['card_arrival', 'exchange_rate'], 30);
    writeFileSync(join(dir, 'a.mjs'), BUILD_A);
    const run = join(dir, 'run');
    const args = ['train', '--model', join(dir, 'a.mjs'), '--data', intents, '--train-dir', run, '--learning-rate', '0.02', '--batch-size', '4'];
    const child = spawn(bin, [...args, '--epochs', '100000', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
        if (/epoch 2 /.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    assert.equal(code, 130, stderr);
    const r = JSON.parse(stdout);
    assert.equal(r.interrupted, 'SIGINT');
    assert.ok(r.epochsDone >= 2 && r.epochsDone < 100000);
    assert.equal(r.latestCheckpoint, join(run, `model.ckpt-${r.epochsDone}`), 'the epoch in progress was finished and saved');

    const nan = graft([...args, '--epochs', String(r.epochsDone + 5), '--learning-rate', '1e38', '--json']);
    assert.equal(nan.status, 1, nan.stderr);
    assert.equal(JSON.parse(nan.stdout).error.code, 'non_finite');
    const again = json(['eval', '--checkpoint', run]);
    assert.equal(again.checkpoint, r.latestCheckpoint, 'the last good checkpoint stays the latest');
    assert.ok(Number.isFinite(again.loss));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
