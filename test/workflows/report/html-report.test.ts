import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { lineChartSvg, niceTicks, renderHtmlReport } from '../../../src/workflows/report/index.js';
import type { ReportDocument } from '../../../src/workflows/report/index.js';

const CHROMIUM = '/usr/bin/chromium';

/** Open a file in headless chromium; return the DOM after scripts ran and the console lines. */
function openInChromium(file: string): { dom: string; console: string[]; status: number | null } {
  const r = spawnSync(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
    '--enable-logging=stderr', '--v=0', '--virtual-time-budget=2000', '--dump-dom', `file://${file}`,
  ], { encoding: 'utf8', timeout: 60_000 });
  const consoleLines = r.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
  return { dom: r.stdout, console: consoleLines, status: r.status };
}

function sampleReport(): ReportDocument {
  const curve = (f: (i: number) => number, n = 40) => Array.from({ length: n }, (_, i) => [i * 25, f(i)] as const);
  return {
    title: 'Graft demo — test <report>',
    facts: { backend: 'wasm', seed: 1 },
    summary: { columns: ['scenario', 'accuracy', 'frozen unchanged'], rows: [['ema', 0.91, true], ['transfer', 0.96, null]] },
    sections: [
      {
        id: 'ema', title: 'EMA and LR decay', notes: ['raw & EMA'],
        charts: [
          { title: 'loss', xLabel: 'step', yLabel: 'loss', series: [{ name: 'raw', points: curve((i) => 2 / (1 + i)), dashed: true }, { name: 'EMA', points: curve((i) => 2 / (1 + i) + 0.01) }] },
          { title: 'learning rate', xLabel: 'step', yLabel: 'lr', logY: true, series: [{ name: 'lr', points: curve((i) => 0.01 * 0.9 ** Math.floor(i / 4)) }] },
        ],
        tables: [{ columns: ['weights', 'accuracy'], rows: [['raw', 0.9], ['EMA', 0.91]] }],
        commands: ['graft eval --checkpoint runs/ema --ema'],
      },
    ],
  };
}

test('niceTicks gives round steps covering the range', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3, 97, 4), [25, 50, 75]);
  assert.deepEqual(niceTicks(5, 5), [5]);
});

test('a chart has one polyline per series with every point, and escapes names', () => {
  const svg = lineChartSvg({ title: 'a<b', xLabel: 'x', yLabel: 'y', series: [{ name: 's&1', points: [[0, 1], [1, 2], [2, 3]] }, { name: 's2', points: [[0, 3]] }] });
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
  assert.match(svg, /data-series="s&amp;1" data-points="3"/);
  assert.match(svg, /a&lt;b/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 4);
});

test('the report is self-contained: no external URL, inline CSS, SVG and script', () => {
  const html = renderHtmlReport(sampleReport());
  assert.doesNotMatch(html, /\b(src|href)=["'](https?:)?\/\//i);
  assert.doesNotMatch(html, /<link /i);
  assert.match(html, /<style>/);
  assert.match(html, /<svg /);
  assert.match(html, /Graft demo — test &lt;report&gt;/);
});

test('headless chromium renders the report: script ran, charts have data points, no console messages', (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed (scripts/setup.sh installs it)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'graft-report-'));
  try {
    const file = join(dir, 'index.html');
    writeFileSync(file, renderHtmlReport(sampleReport()));
    const r = openInChromium(file);
    assert.equal(r.status, 0);
    assert.deepEqual(r.console, [], 'no console messages or uncaught errors');
    assert.match(r.dom, /data-ready="1"/, 'the inline script ran to the end');
    assert.match(r.dom, /data-chart-count="2"/);
    const points = Number(/data-point-count="(\d+)"/.exec(r.dom)?.[1]);
    assert.equal(points, 40 * 3);
    assert.match(r.dom, /<polyline points="[\d.]+,[\d.]+ [\d.]+,[\d.]+/);

    // the harness does see errors: a page with an uncaught error is caught
    const bad = join(dir, 'bad.html');
    writeFileSync(bad, '<!DOCTYPE html><html><body><script>notDefined();</script></body></html>');
    const b = openInChromium(bad);
    assert.equal(b.console.length, 1);
    assert.match(b.console[0]!, /Uncaught ReferenceError/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
