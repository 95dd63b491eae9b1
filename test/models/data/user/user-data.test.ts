import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeUserImages, detectDataLayout, imageShapeOf, listUserImages, loadUserTexts } from '../../../../src/models/data/user/user-data.js';
import { loadMnist } from '../../../../src/models/data/mnist.js';
import { pngBytes, writeIntentFiles, writeMnistFolders } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'graft-user-data-'));

test('a folder of CLASS.txt files: classes sorted by name, one example per non-empty line', async () => {
  const dir = tmp();
  try {
    await writeIntentFiles(dir, ['top_up_failed', 'card_arrival', 'exchange_rate'], 12);
    writeFileSync(join(dir, '.hidden.txt'), 'ignored\n');
    writeFileSync(join(dir, 'card_arrival.txt'), '\n  When will my card arrive?  \r\n\nwhere is my card\n');
    assert.equal(await detectDataLayout(dir), 'text-files');
    const t = await loadUserTexts(dir);
    assert.deepEqual(t.classNames, ['card_arrival', 'exchange_rate', 'top_up_failed']);
    assert.deepEqual(t.texts.slice(0, 2), ['When will my card arrive?', 'where is my card']);
    assert.deepEqual([...t.labels.slice(0, 3)], [0, 0, 1]);
    assert.equal(t.texts.length, 2 + 12 + 12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CSV (text,label; RFC 4180 quotes) and JSONL give the same texts and labels', async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'd.csv'), 'label,text\nb,"hello, ""world"""\na,plain\nb,"two\nlines"\n');
    writeFileSync(join(dir, 'd.jsonl'), '{"text":"hello, \\"world\\"","label":"b"}\n\n{"text":"plain","label":"a"}\n{"text":"two\\nlines","label":"b"}\n');
    const c = await loadUserTexts(join(dir, 'd.csv'));
    const j = await loadUserTexts(join(dir, 'd.jsonl'));
    assert.deepEqual(c.texts, ['hello, "world"', 'plain', 'two\nlines']);
    assert.deepEqual([...c.labels], [1, 0, 1]);
    assert.deepEqual({ ...j, layout: 'csv' }, c);
    writeFileSync(join(dir, 'n.jsonl'), '{"text":"x","label":3}\n{"text":"y","label":12}\n');
    assert.deepEqual((await loadUserTexts(join(dir, 'n.jsonl'))).classNames, ['12', '3'], 'labels are names, sorted by code point');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('image folders: real MNIST digits written as PNG and JPEG decode back to the pixels (grey → 1 channel)', async () => {
  const dir = tmp();
  try {
    await writeMnistFolders(dir, [3, 7], 4, { jpegEvery: 4 });
    const files = await listUserImages(dir);
    assert.deepEqual(files.classNames, ['3', '7']);
    assert.equal(files.files.length, 8);
    assert.ok(files.files.some((f) => f.endsWith('.jpg')));
    assert.deepEqual(await imageShapeOf(files.files), [28, 28, 1]);
    const x = await decodeUserImages(files.files, [28, 28, 1]);
    const mnist = await loadMnist({ split: 'test', digits: [3, 7], seed: 3 });
    const first = mnist.x.subarray(0, 784);
    const firstIs3 = mnist.labels[0] === 0;
    const ours = firstIs3 ? x.subarray(0, 784) : x.subarray(4 * 784, 5 * 784);
    let maxDiff = 0;
    for (let i = 0; i < 784; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - first[i]!));
    assert.ok(maxDiff < 1 / 255 + 1e-6, `PNG round trip within one grey level (max diff ${maxDiff})`);
    const rgb = await decodeUserImages(files.files.slice(0, 1), [28, 28, 3]);
    assert.equal(rgb.length, 784 * 3);
    assert.equal(rgb[3 * 200], rgb[3 * 200 + 2], 'a grey image read as RGB has R = B');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('colour images: 3 channels, luma for a 1-channel model (BT.601)', async () => {
  const dir = tmp();
  try {
    for (const c of ['red', 'blue']) {
      mkdirSync(join(dir, c));
      for (let k = 0; k < 2; k++) writeFileSync(join(dir, c, `${k}.png`), pngBytes(4, 3, () => (c === 'red' ? [200, 10, 0] : [0, 0, 255])));
    }
    const files = await listUserImages(dir);
    assert.deepEqual(await imageShapeOf(files.files), [3, 4, 3]);
    const grey = await decodeUserImages(files.files, [3, 4, 1]);
    assert.deepEqual(files.classNames, ['blue', 'red']);
    assert.ok(Math.abs(grey[0]! - 0.114) < 1e-6, `blue: ${grey[0]}`);
    assert.ok(Math.abs(grey[2 * 12]! - (0.299 * 200 + 0.587 * 10) / 255) < 1e-6, `red: ${grey[24]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostile data: each problem is a typed error naming the file', async () => {
  const dir = tmp();
  const code = async (p: Promise<unknown>, c: string, msg?: RegExp) => {
    await assert.rejects(p, (e: { code?: string; message?: string; hint?: string }) => {
      assert.equal(e.code, c, e.message);
      assert.ok(e.hint, 'has a hint');
      if (msg) assert.match(e.message!, msg);
      return true;
    });
  };
  try {
    const t = join(dir, 'text');
    mkdirSync(t);
    writeFileSync(join(t, 'a.txt'), 'one\ntwo\n');
    writeFileSync(join(t, 'b.txt'), '\n   \n');
    await code(loadUserTexts(t), 'empty_class', /b\.txt: class "b" has no examples/);
    writeFileSync(join(t, 'b.txt'), Buffer.from([0x66, 0xff, 0xfe, 0x0a]));
    await code(loadUserTexts(t), 'not_utf8');
    rmSync(join(t, 'b.txt'));
    await code(loadUserTexts(t), 'too_few_classes');
    writeFileSync(join(t, 'huge.txt'), '');
    truncateSync(join(t, 'huge.txt'), 300 * 1024 * 1024); // sparse: no disk used
    await code(loadUserTexts(t), 'file_too_large_to_read');
    rmSync(join(t, 'huge.txt'));
    mkdirSync(join(t, 'sub'));
    await code(loadUserTexts(t), 'mixed_data_folder');

    writeFileSync(join(dir, 'bad.csv'), 'text,label\n"never closed,a\n');
    await code(loadUserTexts(join(dir, 'bad.csv')), 'csv_unterminated_quote');
    writeFileSync(join(dir, 'cols.csv'), 'sentence,intent\nhi,a\n');
    await code(loadUserTexts(join(dir, 'cols.csv')), 'bad_data_csv', /expected a "text" column/);
    writeFileSync(join(dir, 'short.csv'), 'text,label\nhi,a,extra\n');
    await code(loadUserTexts(join(dir, 'short.csv')), 'csv_field_count');
    writeFileSync(join(dir, 'bad.jsonl'), '{"text":"a","label":"x"}\n{"text": 3}\n');
    await code(loadUserTexts(join(dir, 'bad.jsonl')), 'bad_jsonl', /line 2/);
    writeFileSync(join(dir, 'data.tsv'), 'a\tb\n');
    await code(detectDataLayout(join(dir, 'data.tsv')), 'unknown_data_layout');
    await code(detectDataLayout(join(dir, 'missing')), 'file_not_found');

    const img = join(dir, 'img');
    mkdirSync(join(img, 'a'), { recursive: true });
    mkdirSync(join(img, 'b'));
    writeFileSync(join(img, 'a', '0.png'), pngBytes(28, 28, () => [9, 9, 9]));
    await code(listUserImages(img), 'empty_class', /class "b" has no images/);
    writeFileSync(join(img, 'b', 'notes.md'), 'x');
    await code(listUserImages(img), 'not_an_image_file');
    rmSync(join(img, 'b', 'notes.md'));
    const good = pngBytes(28, 28, () => [1, 2, 3]);
    writeFileSync(join(img, 'b', '0.png'), good.subarray(0, 60)); // truncated
    await code(decodeUserImages([join(img, 'b', '0.png')], [28, 28, 1]), 'bad_image', /0\.png: not a readable PNG/);
    writeFileSync(join(img, 'b', '0.png'), Buffer.from('GIF89a……'));
    await code(decodeUserImages([join(img, 'b', '0.png')], [28, 28, 1]), 'bad_image', /neither a PNG nor a JPEG/);
    const wide = Buffer.from(good);
    wide.writeUInt32BE(100_000, 16); // IHDR width
    writeFileSync(join(img, 'b', '0.png'), wide);
    await code(decodeUserImages([join(img, 'b', '0.png')], [28, 28, 1]), 'image_too_large');
    writeFileSync(join(img, 'b', '0.png'), pngBytes(32, 28, () => [1, 1, 1]));
    await code(decodeUserImages([join(img, 'b', '0.png')], [28, 28, 1]), 'image_size_mismatch', /32x28 pixels, the model reads 28x28/);
    await code(imageShapeOf([join(img, 'a', '0.png'), join(img, 'b', '0.png')]), 'image_size_mismatch');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
