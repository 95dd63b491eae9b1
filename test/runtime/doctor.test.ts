// `graft doctor`: the report in-process (auto choice) and through the real CLI with --backend wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { doctorCommand } from '../../src/cli/commands/doctor.js';
import { UsageError } from '../../src/errors.js';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;

test('doctor reports the backend, why, threads, kernels and how to get the fast path', async () => {
  const r = await doctorCommand.run({ values: {}, positionals: [] });
  assert.equal(r.backend, 'wasm');
  assert.equal(r.fast, r.kernels === 'native');
  assert.equal(r.wasmSimd, true);
  assert.equal(r.versions.tfjs, '4.22.0');
  if (r.fast) assert.deepEqual(r.steps, []);
  else assert.ok(r.steps.some((s) => /npm run build:native|libdnnl-dev|fix the load error/.test(s)), JSON.stringify(r.steps));
  const text = doctorCommand.render(r);
  assert.match(text, /^backend: {3}wasm \(kernels: (native|js-pack)\)/);
  assert.match(text, /\nthreads: {3}\d+ — /);
  assert.match(text, /\nwhy: {7}\S/);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(r)));
});

test('doctor --backend with an unknown name is bad usage', async () => {
  await assert.rejects(doctorCommand.run({ values: { backend: 'gpu' }, positionals: [] }),
    (e: unknown) => e instanceof UsageError && /--backend gpu is not a backend Graft knows/.test(e.message));
});

test('graft doctor --json --backend wasm prints one JSON document: the JS pack, 1 thread, the steps to the native path', () => {
  const r = spawnSync(bin, ['doctor', '--json', '--backend', 'wasm'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.backend, 'wasm');
  assert.equal(doc.kernels, 'js-pack');
  assert.equal(doc.threads, 1);
  assert.equal(doc.fast, false);
  assert.ok(doc.steps.length > 0);
  assert.ok(doc.registeredKernels.includes('Conv2DBackpropFilter'));
});
