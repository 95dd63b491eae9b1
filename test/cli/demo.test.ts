import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;
const CHROMIUM = '/usr/bin/chromium';

test('graft demo ema layers-fit --quick: runs on real data, all checks pass, the report renders in headless chromium', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-demo-'));
  try {
    const r = spawnSync(bin, ['demo', 'ema', 'layers-fit', '--quick', '--report', dir, '--json'], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.allChecksPassed, true);
    assert.deepEqual(doc.scenarios.map((s: { id: string }) => s.id), ['ema', 'layers-fit']);
    assert.ok(doc.scenarios[0].data.ema > 0.7, `EMA accuracy ${doc.scenarios[0].data.ema}`);
    const lf = doc.scenarios[1];
    assert.deepEqual(lf.data.identical, { weights: true, optimizer: true, shadows: true }, 'stopped + resumed = run-through, bit for bit');
    assert.match(lf.vsBaseline, /EMA [+-][\d.]+ points over raw.*plain model\.fit.*bit for bit/);
    assert.match(r.stderr, /demo: layers-fit done in/, 'progress on stderr');
    const html = join(dir, 'index.html');
    assert.equal(doc.reportPath, html);
    assert.doesNotMatch(readFileSync(html, 'utf8'), /\b(src|href)=["']https?:/);
    const bad = spawnSync(bin, ['demo', 'nonsense'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    if (!existsSync(CHROMIUM)) {
      t.skip(`${CHROMIUM} is not installed (scripts/setup.sh installs it)`);
      return;
    }
    const c = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--enable-logging=stderr', '--v=0', '--virtual-time-budget=2000', '--dump-dom', `file://${html}`], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(c.status, 0);
    assert.deepEqual(c.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l)), []);
    assert.match(c.stdout, /data-ready="1"/);
    assert.match(c.stdout, /data-chart-count="5"/);
    assert.match(c.stdout, /id="layers-fit"/);
    assert.match(c.stdout, /stopped after epoch 1, resumed/);
    assert.ok(Number(/data-point-count="(\d+)"/.exec(c.stdout)?.[1]) > 50, 'the charts have data points');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
