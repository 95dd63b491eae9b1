// Event files: the reader parses TF's own files (test/fixtures/tfevents, see MANIFEST.md), the
// encoder re-serialises TF's records byte for byte, a Graft-written file parses with the same
// reader and matches TF's records field by field, histograms bucket exactly as TF's C++ does,
// and each framing error has its code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { readEventFile, parseEventFile } from '../../src/train/summary/event-reader.js';
import { decodeEvent, encodeEvent } from '../../src/train/summary/event.js';
import { decodeRecords, encodeRecord } from '../../src/train/summary/tfrecord.js';
import { histogramOf } from '../../src/train/summary/histogram.js';
import { SummaryWriter, FILE_VERSION } from '../../src/train/summary/summary-writer.js';
import { JsonlLogger } from '../../src/train/jsonl-logger.js';
import { GraftError } from '../../src/errors.js';

const FIX = new URL('../../../test/fixtures/tfevents/', import.meta.url);
const FEIDAO = new URL('feidao90-scalar-histo-image/events.out.tfevents.1530785182.heguangzhongdeMacBook-Pro-2.local', FIX);
const HSB_EVAL = new URL('hsbarker-estimator-train-eval/eval/events.out.tfevents.1520466370.Haydens-MacBook-Pro.local', FIX);
const HSB_TRAIN = new URL('hsbarker-estimator-train-eval/events.out.tfevents.1520430462.Haydens-MacBook-Pro.local', FIX);
const TF2_EMPTY = new URL('tf2-v2-header-only/events.out.tfevents.1700663983.Ermesson.13696.2.v2', FIX);

test('reads TF-written event files (record counts and contents as MANIFEST.md lists them)', async () => {
  const feidao = await readEventFile(FEIDAO.pathname);
  assert.equal(feidao.length, 3);
  assert.deepEqual(feidao[0], { wallTime: 1530785182, step: 0, fileVersion: 'brain.Event:2' });
  const values = feidao.flatMap((e) => e.summary?.value ?? []);
  assert.deepEqual(values.map((v) => [v.tag, v.simpleValue !== undefined ? 'simple_value' : v.histo ? 'histo' : v.image ? 'image' : '?']), [
    ['Slope_Estimate/Slope_Estimate', 'simple_value'],
    ['Loss_and_Residuals/Histogram_Errors', 'histo'],
    ['Loss_and_Residuals/Histogram_Residuals', 'histo'],
    ['Linear_Plot/image/0', 'image'],
  ]);
  assert.equal(feidao[1]!.step, 99);
  assert.equal(values[2]!.histo!.num, 50);

  const evalEvents = await readEventFile(HSB_EVAL.pathname);
  assert.equal(evalEvents.length, 4);
  const last = evalEvents[3]!;
  assert.equal(last.step, 20000);
  assert.deepEqual(last.summary!.value.map((v) => v.tag), ['accuracy', 'loss']);
  assert.equal(last.summary!.value[0]!.simpleValue, Math.fround(0.9883999824523926));
  assert.ok(evalEvents[1]!.graphDef && evalEvents[2]!.metaGraphDef);

  const train = await readEventFile(HSB_TRAIN.pathname);
  assert.equal(train.length, 407);
  const tags = new Map<string, number>();
  for (const e of train) for (const v of e.summary?.value ?? []) tags.set(v.tag, (tags.get(v.tag) ?? 0) + 1);
  assert.equal(tags.get('loss'), 200);
  assert.equal(tags.get('global_step/sec'), 199);
  assert.equal(train.filter((e) => e.sessionLog).length, 3);
  const steps = train.filter((e) => e.summary).map((e) => e.step);
  assert.equal(Math.min(...steps), 1);
  assert.equal(Math.max(...train.map((e) => e.step)), 20000);
  assert.equal(new Set(train.map((e) => e.step).filter((s) => s > 0)).size, 201, 'MANIFEST: 201 distinct steps');

  assert.deepEqual(await readEventFile(TF2_EMPTY.pathname), [{ wallTime: 1700663983, step: 0, fileVersion: 'brain.Event:2' }]);
});

test('re-encoding TF\'s records reproduces their bytes (field order, omissions, packed doubles)', async () => {
  for (const url of [FEIDAO, HSB_EVAL]) {
    const bytes = await readFile(url);
    const records = decodeRecords(bytes, url.pathname);
    records.forEach((r, i) => {
      const again = encodeEvent(decodeEvent(r, `record ${i}`));
      assert.deepEqual(Buffer.from(again), Buffer.from(r), `${url.pathname.split('/').pop()} record ${i}`);
    });
    // Framing: concatenating our framing of each record gives TF's file back.
    assert.deepEqual(Buffer.concat(records.map((r) => encodeRecord(r))), Buffer.from(bytes));
  }
});

test('histograms bucket like TF\'s C++ histogram (compared with the TF-written one-value histogram)', async () => {
  const tfHisto = (await readEventFile(FEIDAO.pathname))[1]!.summary!.value[1]!.histo!;
  const ours = histogramOf([tfHisto.min]);
  assert.deepEqual(ours, tfHisto);
  const h = histogramOf([0, 0, 1, -1, 1e-13]);
  assert.equal(h.num, 5);
  assert.equal(h.bucket.reduce((a, b) => a + b, 0), 5);
  assert.equal(h.min, -1);
  assert.equal(h.max, 1);
});

test('a Graft-written event file parses with the same reader; records match TF\'s field by field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-events-'));
  try {
    const w = await SummaryWriter.create(dir, { filenameSuffix: '.graft' });
    assert.match(w.path, new RegExp(`/events\\.out\\.tfevents\\.\\d{10}\\.${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.graft$`));
    w.scalar('loss', 0.0365276001393795, 20000);
    w.scalar('accuracy', 0.9883999824523926, 20000);
    w.histogram('weights', [21.828041076660156], 20000);
    w.text('note', 'hello TensorBoard', 20000);
    await w.close();
    assert.deepEqual(await readdir(dir), [w.path.split('/').pop()]);
    const ours = await readEventFile(w.path);
    const tfEval = await readEventFile(HSB_EVAL.pathname);
    const tfFeidao = await readEventFile(FEIDAO.pathname);

    // First record: the same fields as TF's, the wall time a whole number of seconds.
    assert.deepEqual(Object.keys(ours[0]!).sort(), Object.keys(tfEval[0]!).sort());
    assert.equal(ours[0]!.fileVersion, FILE_VERSION);
    assert.equal(ours[0]!.wallTime, Math.floor(ours[0]!.wallTime));
    assert.deepEqual(
      Buffer.from(encodeEvent({ ...ours[0]!, wallTime: tfEval[0]!.wallTime })),
      Buffer.from(decodeRecords(await readFile(HSB_EVAL), 'tf')[0]!),
      'first record bytes equal TF\'s apart from the time',
    );

    // Scalar records: TF's eval file has loss/accuracy at 20000; ours carry the same values.
    const tfScalars = new Map(tfEval[3]!.summary!.value.map((v) => [v.tag, v]));
    for (const e of ours.slice(1, 3)) {
      assert.deepEqual(Object.keys(e).sort(), Object.keys(tfEval[3]!).sort());
      assert.equal(e.step, tfEval[3]!.step);
      const v = e.summary!.value[0]!;
      assert.deepEqual(v, tfScalars.get(v.tag), `scalar ${v.tag} matches TF's record field by field`);
    }
    // Histogram record: equal to TF's Histogram_Errors value apart from the tag.
    const tfHist = tfFeidao[1]!.summary!.value[1]!;
    assert.deepEqual({ ...ours[3]!.summary!.value[0]!, tag: tfHist.tag }, tfHist);
    // Text: tensor summary with the text plugin, DT_STRING scalar.
    const text = ours[4]!.summary!.value[0]!;
    assert.equal(text.pluginName, 'text');
    assert.equal(text.tensor!.dtype, 7);
    assert.deepEqual(text.tensor!.shape, []);
    assert.equal(new TextDecoder().decode(text.tensor!.stringVal![0]!), 'hello TensorBoard');
    assert.throws(() => w.scalar('late', 1, 1), (e: unknown) => e instanceof GraftError && e.code === 'writer_closed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('framing errors each have a code', async () => {
  const good = encodeRecord(encodeEvent({ wallTime: 1, step: 2, fileVersion: FILE_VERSION }));
  const expectCode = (bytes: Uint8Array, code: string): void =>
    assert.throws(() => parseEventFile(bytes, 'x.tfevents'), (e: unknown) => e instanceof GraftError && e.code === code && e.message.startsWith('x.tfevents: record 0'));
  expectCode(good.subarray(0, 10), 'truncated_record');
  expectCode(good.subarray(0, good.length - 1), 'truncated_record');
  const badLen = good.slice();
  badLen[8]! ^= 1;
  expectCode(badLen, 'record_length_crc_mismatch');
  const badData = good.slice();
  badData[14]! ^= 1;
  expectCode(badData, 'record_data_crc_mismatch');
  const dir = await mkdtemp(join(tmpdir(), 'graft-events-'));
  try {
    await writeFile(join(dir, 'bad'), badData);
    await assert.rejects(readEventFile(join(dir, 'bad')), (e: unknown) => e instanceof GraftError && e.code === 'record_data_crc_mismatch');
    await assert.rejects(readEventFile(join(dir, 'missing')), (e: unknown) => e instanceof GraftError && e.code === 'file_not_found');
    // JSON-lines log in the same temp dir.
    const log = await JsonlLogger.create(join(dir, 'logs', 'train.jsonl'));
    log.log({ step: 1, loss: 2.5 });
    log.log({ step: 2, loss: 2.25 });
    await log.close();
    const lines = (await readFile(join(dir, 'logs', 'train.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l.step, l.loss]), [[1, 2.5], [2, 2.25]]);
    assert.equal(typeof lines[0]!.time, 'string');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
