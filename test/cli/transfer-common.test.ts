import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;
const graft = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', timeout: 300_000 });

test('graft transfer-common: dry run reports pairings and reasons; --out writes an initialised intent-b', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-common-'));
  try {
    const a = join(dir, 'a');
    const t = graft(['train', '--model', 'intent-a', '--categories', 'card_arrival,pin_blocked,exchange_rate', '--per-class', '30', '--test-limit', '30', '--train-dir', a, '--json']);
    assert.equal(t.status, 0, t.stderr);
    const vocabSize = JSON.parse(t.stdout).config.vocabSize;
    const cfg = JSON.stringify({ numClasses: 3, vocabSize });
    const d = graft(['transfer-common', a, 'intent-b', '--dst-config', cfg, '--dry-run', '--json']);
    assert.equal(d.status, 0, d.stderr);
    const rep = JSON.parse(d.stdout);
    assert.deepEqual(rep.pairings.map((p: { destination: string }) => p.destination), ['IntentB/embedding', 'IntentB/lstm1/basic_lstm_cell']);
    assert.deepEqual(rep.copied, []);
    assert.ok(rep.leftAlone.some((l: { name: string; reason: string }) => l.name === 'IntentB/lstm2/basic_lstm_cell/kernel' && /layer 3 differs/.test(l.reason)));
    const text = graft(['transfer-common', a, 'intent-b', '--dst-config', cfg, '--dry-run']);
    assert.match(text.stdout, /paired {2}IntentA\/embedding → IntentB\/embedding/);
    const outPrefix = join(dir, 'b', 'model.ckpt');
    const w = graft(['transfer-common', a, 'intent-b', '--dst-config', cfg, '--out', outPrefix, '--json']);
    assert.equal(w.status, 0, w.stderr);
    const saved = JSON.parse(w.stdout);
    assert.equal(saved.saved, outPrefix);
    assert.deepEqual(saved.copied, ['IntentB/embedding/weights', 'IntentB/lstm1/basic_lstm_cell/kernel', 'IntentB/lstm1/basic_lstm_cell/bias']);
    assert.ok(existsSync(`${outPrefix}.index`));
    const meta = JSON.parse(readFileSync(`${outPrefix}.meta.json`, 'utf8'));
    assert.equal(meta.model.name, 'intent-b');
    assert.equal(meta.extra.transferCommon.copied.length, 3);
    const usage = graft(['transfer-common', a, 'intent-b']);
    assert.equal(usage.status, 2, 'neither --out nor --dry-run');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
