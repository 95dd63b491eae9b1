// Determinism across processes: two fresh processes running the same conv filter gradient and the
// same short CNN training on the default (native) kernels give bit-identical bytes. This once
// failed about every other run because convolutions auto-tuned their oneDNN layout (blocked vs
// plain NHWC, which sum in different orders) by wall-clock timing in each process; the layout is
// now fixed unless GRAFT_NATIVE_CONV_LAYOUT=auto. Also: the conv primitive cache keys on the layout
// mode, so switching GRAFT_NATIVE_CONV_LAYOUT inside a process gives that mode's results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./determinism-child.js', import.meta.url));

interface ChildResult {
  native: boolean;
  backend: string;
  kernels: string;
  filter: string;
  train: string;
  filterAfterSwitch?: string;
}

async function child(env: Record<string, string | undefined>, ...args: string[]): Promise<ChildResult> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const { stdout } = await run(process.execPath, [CHILD, ...args], { env: childEnv as NodeJS.ProcessEnv, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
}

test('two fresh processes give bit-identical conv filter gradients and CNN weights on the native kernels', async (t) => {
  const defaults = { GRAFT_NATIVE_CONV_LAYOUT: undefined, GRAFT_NATIVE: undefined, GRAFT_BACKEND: undefined };
  const [a, b] = await Promise.all([child(defaults, 'switch'), child(defaults)]);
  if (!a.native) return t.skip(`native kernels not active (backend ${a.backend}, kernels ${a.kernels})`);
  assert.equal(b.native, true);
  assert.equal(a.filter, b.filter, 'Conv2DBackpropFilter [8,14,14,8] → [3,3,8,16] stride 2 differs between processes');
  assert.equal(a.train, b.train, 'weights after 4 SGD steps of the small CNN differ between processes');

  const nhwc = await child({ ...defaults, GRAFT_NATIVE_CONV_LAYOUT: 'nhwc' });
  t.diagnostic(`blocked and plain-NHWC filter gradients are ${nhwc.filter === a.filter ? 'bit-identical' : 'different in the low bits'}`);
  assert.equal(a.filterAfterSwitch, nhwc.filter, 'after switching to GRAFT_NATIVE_CONV_LAYOUT=nhwc in-process, the cached blocked primitive was reused');
});
