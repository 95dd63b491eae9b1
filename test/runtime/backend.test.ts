// Backend selection: the automatic order (tfjs-node → native → wasm + JS pack), forced choices,
// errors for unknown / unavailable / conflicting requests, and the slow-path notice. Forced
// backends run in child processes, since the backend is chosen once per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BackendError } from '../../src/errors.js';
import { getBackendInfo, initBackend, noticeSlowPath } from '../../src/runtime/index.js';

const backendJs = new URL('../../src/runtime/backend.js', import.meta.url).href;

/** initBackend() in a fresh process with `env`; its BackendInfo, or the error's code. */
function inChild(env: Record<string, string>, call = 'initBackend()'): { info?: Record<string, unknown>; code?: string } {
  const script = `import { initBackend } from ${JSON.stringify(backendJs)};
    try { console.log(JSON.stringify({ info: await ${call} })); } catch (e) { console.log(JSON.stringify({ code: e.code })); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('an unknown GRAFT_BACKEND is rejected with unknown_backend, naming the value and the choices', async () => {
  process.env.GRAFT_BACKEND = 'gpu';
  try {
    await assert.rejects(initBackend(), (e: unknown) => e instanceof BackendError && e.code === 'unknown_backend'
      && /GRAFT_BACKEND is "gpu"/.test(e.message) && /wasm, cpu, native, tfjs-node/.test(e.hint ?? ''));
  } finally {
    delete process.env.GRAFT_BACKEND;
  }
});

test('asking for tfjs-node where it is not installed fails with backend_unavailable and how to install it', async () => {
  const r = initBackend({ backend: 'tfjs-node' });
  await r.then(
    (info) => assert.equal(info.backend, 'tensorflow'), // only where @tensorflow/tfjs-node really is installed
    (e: unknown) => {
      assert.ok(e instanceof BackendError && e.code === 'backend_unavailable');
      assert.equal((e.details as { tfjsNodeError: string }).tfjsNodeError, 'not installed');
      assert.match(e.hint ?? '', /npm install @tensorflow\/tfjs-node/);
    },
  );
});

test('automatic choice: wasm with native kernels when the addon loads, else the JS pack with the reason', async () => {
  const info = await initBackend();
  assert.equal(info.backend, 'wasm');
  assert.equal(info.requested, 'auto');
  assert.equal(info.tfjsNodeError, 'not installed');
  assert.ok(info.registeredKernels.includes('UnsortedSegmentSum'), 'the JS pack is always registered under the native kernels');
  if (info.kernels === 'native') {
    assert.ok(info.nativeKernels && info.nativeKernels.length > 0);
    assert.equal(info.nativeError, undefined);
  } else {
    assert.equal(info.kernels, 'js-pack');
    assert.equal(info.threads, 1);
    assert.equal(typeof info.nativeError, 'string');
    assert.match(info.howToGetFast, /apt-get install -y libdnnl-dev && npm run build:native/);
  }
  assert.equal(getBackendInfo(), info);
  assert.equal(await initBackend(), info, 'later calls return the first result');
});

test('asking for another backend after the choice is made is backend_already_initialized', async () => {
  await assert.rejects(initBackend({ backend: 'cpu' }), (e: unknown) => e instanceof BackendError
    && e.code === 'backend_already_initialized' && /backend "cpu" was asked for, but this process already runs wasm/.test(e.message));
});

test('noticeSlowPath prints one stderr line on the JS-pack path and nothing on the native path', () => {
  const info = getBackendInfo()!;
  const written: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; }) as typeof process.stderr.write;
  let first: boolean, second: boolean;
  try {
    first = noticeSlowPath();
    second = noticeSlowPath();
  } finally {
    process.stderr.write = original;
  }
  if (info.kernels === 'native') {
    assert.equal(first, false);
    assert.deepEqual(written, []);
  } else {
    assert.equal(first, true);
    assert.equal(second, false);
    assert.equal(written.length, 1);
    assert.match(written[0]!, /^graft: training on TF\.js wasm with the JS kernel pack .*apt-get install -y libdnnl-dev && npm run build:native/);
  }
});

test('GRAFT_BACKEND=wasm keeps the JS pack only, even where native kernels are built', () => {
  const { info } = inChild({ GRAFT_BACKEND: 'wasm' });
  assert.equal(info?.backend, 'wasm');
  assert.equal(info?.kernels, 'js-pack');
  assert.equal(info?.requested, 'wasm');
  assert.match(String(info?.reason), /via GRAFT_BACKEND/);
  assert.deepEqual(info?.registeredKernels, ['Conv2DBackpropFilter', 'UnsortedSegmentSum', 'GraftLstmSequence', 'GraftLstmSequenceGrad', 'SparseSoftmaxCrossEntropyWithLogits', 'BatchMatMul', '_FusedMatMul', 'Conv2DBackpropInput', 'MaxPoolGrad', 'Sum', 'Identity']);
});

test('GRAFT_BACKEND=cpu runs the cpu backend with no kernels registered', () => {
  const { info } = inChild({ GRAFT_BACKEND: 'cpu' });
  assert.equal(info?.backend, 'cpu');
  assert.equal(info?.kernels, 'none');
  assert.deepEqual(info?.registeredKernels, []);
});

test('with the native addon disabled (GRAFT_NATIVE=0), auto falls back to the JS pack and says why; asking for native fails', () => {
  const auto = inChild({ GRAFT_NATIVE: '0' });
  assert.equal(auto.info?.kernels, 'js-pack');
  assert.equal(typeof auto.info?.nativeError, 'string');
  assert.match(String(auto.info?.reason), /native kernels not loaded/);
  const native = inChild({ GRAFT_NATIVE: '0' }, "initBackend({ backend: 'native' })");
  assert.equal(native.code, 'backend_unavailable');
});
