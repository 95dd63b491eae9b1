// Hostile torch.save files: mutated real files (both layouts, through openCheckpoint), mutated
// data.pkl re-zipped with a valid CRC (so the pickle machine, not the CRC, meets the damage),
// random opcode streams, deep nesting, shared-memo explosions, huge lengths and "evil" globals
// (os.system, builtins.eval, subprocess, __reduce__ payloads). Every failure must be a typed
// GraftError naming the file; nothing may run (a canary file must not appear); memory and time stay bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, unzipSync } from 'fflate';
import { GraftError } from '../../../src/errors.js';
import { openCheckpoint } from '../../../src/formats/open.js';
import { openPytorch } from '../../../src/formats/pytorch/index.js';
import { parseStoragePid, torchHooks } from '../../../src/formats/pytorch/globals.js';
import { unpickle } from '../../../src/formats/pytorch/pickle.js';
import { flattenStateDict } from '../../../src/formats/pytorch/state-dict.js';
import { seededRng } from '../../../src/models/data/random.js';

const root = new URL('../../../..', import.meta.url).pathname;
const fx = (p: string) => join(root, 'test/fixtures/pytorch', p);
const int = (r: () => number, n: number) => Math.floor(r() * n);
const CANARY = join(tmpdir(), `graft-pickle-canary-${process.pid}`);

/** Run a pickle through the machine and the state-dict walk, as the zip reader does (storages not read). */
function runPickle(bytes: Uint8Array, where = 'fuzz.pkl'): unknown {
  try {
    const hooks = torchHooks(where, (pid) => {
      const p = parseStoragePid(pid, where);
      return { kind: 'storage', key: p.key, dtype: p.dtype, numel: p.numel, elementOffset: 0, storageType: p.storageType };
    });
    flattenStateDict(unpickle(bytes, hooks, where).value, where);
    return undefined;
  } catch (e) {
    return e;
  }
}

const enc = new TextEncoder();
const cat = (...parts: (number[] | Uint8Array | string)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...enc.encode(p)] : [...p])));
const u32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];

/** `__reduce__`-style payloads: GLOBAL/STACK_GLOBAL of a dangerous callable, then REDUCE. */
const EVIL: Record<string, Uint8Array> = {
  'os.system': cat([0x80, 2], `cos\nsystem\n(X`, u32(`touch ${CANARY}`.length), `touch ${CANARY}`, 'tR.'),
  'posix.system': cat(`cposix\nsystem\n(S'touch ${CANARY}'\ntR.`),
  'builtins.eval': cat([0x80, 2], `cbuiltins\neval\n(X`, u32(24), `__import__('os').getpid`, ')tR.'),
  '__builtin__.eval': cat(`c__builtin__\neval\n(S'1+1'\ntR.`),
  'builtins.exec': cat([0x80, 4, 0x8c, 8], 'builtins', [0x8c, 4], 'exec', [0x93, 0x8c, 4], 'pass', [0x85, 0x52, 0x2e]),
  'subprocess.Popen': cat(`csubprocess\nPopen\n((S'touch'\nS'${CANARY}'\nltR.`),
  'builtins.getattr': cat(`cbuiltins\ngetattr\n(cbuiltins\ndict\nS'get'\ntR.`),
  'torch.load': cat(`ctorch\nload\n(S'/etc/passwd'\ntR.`),
  'numpy.core.multiarray._reconstruct': cat(`cnumpy.core.multiarray\n_reconstruct\n(tR.`),
  'torch._utils._rebuild_device_tensor_from_numpy': cat(`ctorch._utils\n_rebuild_device_tensor_from_numpy\n(tR.`),
  'collections.Counter': cat(`ccollections\nCounter\n)R.`),
  'torch.nn.modules.linear.Linear': cat([0x80, 2], `ctorch.nn.modules.linear\nLinear\n)\x81}b.`),
};

test('evil globals are refused by name and nothing runs', () => {
  for (const [name, bytes] of Object.entries(EVIL)) {
    const e = runPickle(bytes);
    assert.ok(e instanceof GraftError, `${name}: ${String(e)}`);
    assert.equal(e.code, 'pickle_global_refused', `${name}: ${e.message}`);
    assert.equal(e.details?.global, name);
    assert.match(e.message, new RegExp(name.replace(/\./g, '\\.')));
  }
  // INST / OBJ / EXT build objects without GLOBAL: refused as opcodes.
  for (const bytes of [cat(`(ios\nsystem\nS'x'\n.`), cat([0x80, 2, 0x28, 0x6f, 0x2e]), cat([0x80, 2, 0x82, 1, 0x2e])]) {
    const e = runPickle(bytes);
    assert.ok(e instanceof GraftError && e.code === 'pickle_opcode_refused', String(e));
  }
  assert.equal(existsSync(CANARY), false);
});

test('an evil data.pkl inside a well-formed torch zip is refused when opening', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-ptfuzz-'));
  try {
    const p = join(dir, 'evil.pt');
    await writeFile(p, zipSync({ 'archive/data.pkl': [EVIL['os.system']!, { level: 0 }], 'archive/version': [enc.encode('3\n'), { level: 0 }] }));
    await assert.rejects(openCheckpoint(p), (e: unknown) => e instanceof GraftError && e.code === 'pickle_global_refused' && e.message.startsWith(p));
    assert.equal(existsSync(CANARY), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('hostile structure: deep nesting, memo explosions, huge lengths are typed errors within bounds', () => {
  const N = 200_000;
  const cases: Record<string, [Uint8Array, string]> = {
    'nested lists (depth 200k)': [cat([0x80, 2], new Array(N).fill(0x5d), new Array(N - 1).fill(0x61), '.'), 'pickle_too_deep'],
    'open MARKs': [cat([0x80, 2], new Array(N).fill(0x28), '.'), 'pickle_too_large'],
    // t0 = []; t(k+1) = (tk, tk): 41 objects naming 2^40 leaves (depth 40 < the depth cap).
    'memo DAG 2^40': [cat([0x80, 2, 0x5d, 0x71, 0, 0x30], ...Array.from({ length: 40 }, () => [0x68, 0, 0x68, 0, 0x86, 0x71, 0, 0x30] as number[]), [0x68, 0], '.'), 'pickle_too_large'],
    'BINUNICODE 4 GiB': [cat([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0xff], 'abc'), 'pickle_truncated'],
    'BINBYTES8 2^63': [cat([0x80, 4, 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x80], 'x'), 'pickle_truncated'],
    'LONG4 2 GiB': [cat([0x80, 2, 0x8b, 0xff, 0xff, 0xff, 0x7f]), 'pickle_too_large'],
    'text line without end': [cat('c', new Array(10_000).fill(0x41)), 'pickle_invalid'],
    'memo get never put': [cat([0x80, 2, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e]), 'pickle_invalid'],
    'tensor past its storage': [cat([0x80, 2], `ctorch._utils\n_rebuild_tensor_v2\n((X`, u32(7), `storage`, `ctorch\nFloatStorage\nX`, u32(1), '0X', u32(3), 'cpuK', [4], 't', [0x51], 'K', [0], 'K', [9], [0x85], 'K', [1], [0x85], [0x89], '}', 'tR.'), 'pickle_invalid'],
    'stride count differs': [cat([0x80, 2], `ctorch._utils\n_rebuild_tensor_v2\n((X`, u32(7), `storage`, `ctorch\nFloatStorage\nX`, u32(1), '0X', u32(3), 'cpuK', [4], 't', [0x51], 'K', [0], 'K', [2], 'K', [2], [0x86], 'K', [1], [0x85], [0x89], '}', 'tR.'), 'pickle_invalid'],
    'REDUCE on a string': [cat([0x80, 2, 0x58], u32(1), 'x', [0x29, 0x52, 0x2e]), 'pickle_invalid'],
    'BUILD on a list': [cat([0x80, 2, 0x5d, 0x7d, 0x62, 0x2e]), 'pickle_build_refused'],
    'empty': [new Uint8Array(0), 'pickle_truncated'],
  };
  for (const [label, [bytes, code]] of Object.entries(cases)) {
    const t0 = Date.now();
    const e = runPickle(bytes);
    assert.ok(e instanceof GraftError, `${label}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
    assert.equal(e.code, code, `${label}: ${e.message}`);
    if (process.env.GRAFT_FUZZ_TIMES) process.stderr.write(`${label}: ${Date.now() - t0} ms\n`);
    assert.ok(Date.now() - t0 < 10_000, `${label} took ${Date.now() - t0} ms`);
  }
});

test('fuzz: 2,000+ random opcode streams and mutated real pickles → typed errors only', { timeout: 120_000 }, () => {
  const r = seededRng(14_2026);
  const OPS = [0x28, 0x2e, 0x30, 0x31, 0x32, 0x46, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x58, 0x61, 0x62, 0x63, 0x64, 0x7d, 0x65, 0x67, 0x68, 0x69, 0x6a, 0x6c, 0x5d, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x29, 0x75, 0x47, 0x80, 0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x42, 0x43, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98];
  const problems: string[] = [];
  const codes = new Map<string, number>();
  const base = process.memoryUsage().arrayBuffers;
  let peak = base, total = 0;
  const check = (bytes: Uint8Array, label: string) => {
    total++;
    const e = runPickle(bytes);
    if (e === undefined) return;
    if (!(e instanceof GraftError)) problems.push(`${label}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
    else { codes.set(e.code, (codes.get(e.code) ?? 0) + 1); if (!e.message.startsWith('fuzz.pkl')) problems.push(`${label}: unnamed ${e.message}`); }
    if (total % 64 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  };
  // 1. random streams: opcodes with random argument bytes (small numbers more likely).
  for (let i = 0; i < 1500; i++) {
    const out: number[] = [0x80, 2];
    for (let k = 1 + int(r, 60); k > 0; k--) {
      out.push(OPS[int(r, OPS.length)]!);
      for (let a = int(r, 5); a > 0; a--) out.push(r() < 0.7 ? int(r, 8) : int(r, 256));
      if (r() < 0.1) out.push(...enc.encode('torch\nFloatStorage\n'));
    }
    if (r() < 0.7) out.push(0x2e);
    check(Uint8Array.from(out), `random #${i}`);
  }
  // 2. mutated real pickles (the state dicts of a third-party zip file and of the Graft fixtures).
  const pickles = ['kang9kang-mlp-zip/net.pt', 'graft-generated/mixed.pt', 'graft-generated/mixed-proto4.pt', 'graft-generated/layout-net.pt']
    .map((f) => Object.entries(unzipSync(new Uint8Array(readFileSync(fx(f))))).find(([n]) => n.endsWith('/data.pkl'))![1]);
  for (let i = 0; i < 1200; i++) {
    const src = pickles[i % pickles.length]!;
    const c = Uint8Array.from(src);
    const kind = int(r, 3);
    let b: Uint8Array = c;
    if (kind === 0) b = c.subarray(0, int(r, c.length));
    else if (kind === 1) for (let k = 1 + int(r, 6); k > 0; k--) c[int(r, c.length)] ^= 1 << int(r, 8);
    else for (let k = 1 + int(r, 4); k > 0; k--) c[int(r, c.length)] = OPS[int(r, OPS.length)]!;
    check(b, `mutated ${i}`);
  }
  if (process.env.GRAFT_FUZZ_TIMES) process.stderr.write(`pickles: ${total} cases; ${[...codes.entries()].map(([c, n]) => `${c}:${n}`).join(', ')}\n`);
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} untyped failures`);
  assert.ok(total >= 2700, `ran ${total}`);
  assert.ok(codes.size >= 6, `codes seen: ${[...codes.keys()].join(', ')}`);
  assert.ok(peak - base < 128 * 1024 * 1024, `ArrayBuffer high-water grew by ${peak - base}`);
  assert.equal(existsSync(CANARY), false);
});


test('fuzz: mutated real files through openCheckpoint (legacy and zip, re-zipped data.pkl with valid CRCs)', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-ptfuzz-'));
  const r = seededRng(1406);
  const problems: string[] = [];
  const codes = new Map<string, number>();
  let total = 0, rejected = 0;
  try {
    const sources = ['coderhr-mlp-legacy/net.pt', 'graft-generated/mixed-legacy.pt', 'kang9kang-mlp-zip/net.pt', 'graft-generated/mixed.pt'];
    const originals = await Promise.all(sources.map((s) => readFile(fx(s))));
    for (let i = 0; i < 800; i++) {
      const k = i % sources.length;
      let c: Uint8Array = Uint8Array.from(originals[k]!);
      const mode = int(r, 4);
      if (mode === 0) c = c.subarray(0, int(r, c.length));
      else if (mode === 1) for (let n = 1 + int(r, 6); n > 0; n--) c[int(r, c.length)] ^= 1 << int(r, 8);
      else if (mode === 2) for (let n = 1 + int(r, 4); n > 0; n--) c[c.length - 1 - int(r, Math.min(c.length, 600))] = int(r, 256); // central directory
      else if (k >= 2) {
        // Mutate data.pkl and re-zip with a valid CRC so the pickle machine meets the damage.
        const entries = unzipSync(c);
        const pk = Object.keys(entries).find((n) => n.endsWith('/data.pkl'))!;
        const b = entries[pk]!;
        for (let n = 1 + int(r, 4); n > 0; n--) b[int(r, b.length)] = int(r, 256);
        c = zipSync(Object.fromEntries(Object.entries(entries).map(([n, v]) => [n, [v, { level: 0 }]])));
      } else for (let n = 1 + int(r, 4); n > 0; n--) c[int(r, Math.min(c.length, 400))] = int(r, 256); // legacy pickles
      const p = join(dir, `case-${i % 4}.pt`);
      await writeFile(p, c);
      total++;
      try {
        await using rd = await openPytorch(p);
        for (const t of rd.list()) await rd.read(t.name);
      } catch (e) {
        rejected++;
        if (!(e instanceof GraftError)) problems.push(`#${i} ${sources[k]} mode ${mode}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
        else { codes.set(e.code, (codes.get(e.code) ?? 0) + 1); if (!e.message.includes(p)) problems.push(`#${i}: unnamed ${e.message}`); }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (process.env.GRAFT_FUZZ_TIMES) process.stderr.write(`files: ${rejected}/${total} rejected; ${[...codes.entries()].map(([c, n]) => `${c}:${n}`).join(', ')}\n`);
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} untyped failures`);
  assert.ok(rejected > total / 3, `${rejected} of ${total} rejected`);
  assert.ok(codes.size >= 8, `codes seen: ${[...codes.entries()].map(([c, n]) => `${c}:${n}`).join(', ')}`);
  assert.equal(existsSync(CANARY), false);
});
