import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/runtime/backend.js';
import { classesScenario } from '../../../src/workflows/demo/index.js';
import { TINY, workDir } from './tiny.js';

test('classes change (article 004) on BANKING77: kept rows moved, merged from sources, new fresh, removed dropped', async () => {
  await initBackend();
  const w = workDir();
  try {
    const r = await classesScenario(w.dir, { ...TINY, epochs: 1 });
    for (const [k, ok] of Object.entries(r.checks)) assert.ok(ok, k);
    const d = r.data as { changed: number; plan: Record<string, number> };
    assert.deepEqual(d.plan, { moved: 3, merged: 1, new: 2, removed: 1, merged_away: 2 });
    assert.ok(d.changed > 1 / 6 + 0.15, `after the change ${d.changed} above chance (1/6) by a margin`);
  } finally {
    w.done();
  }
});
