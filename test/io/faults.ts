/**
 * The fault-injection suite's engine (not a test file; faults.test.ts runs it small inside
 * `npm test`, faults-run.ts large as `npm run faults`).
 *
 * A write path is run in a child process that SIGKILLs itself after its k-th syscall-level step
 * (GRAFT_FAULT_KILL_AT, src/io/fault.ts): first every step 1…K of the path once (K counted by a
 * traced run, GRAFT_FAULT_TRACE; a seeded sample of them when fewer points are asked), then
 * seeded random points — random steps, and random wall-clock delays after which the parent
 * SIGKILLs the child — up to the number asked for. After each kill
 * the destination is opened as a user would (openCheckpoint, which finishes an interrupted
 * publish) and its files are compared byte for byte with the OLD destination (before the write)
 * and the NEW one (the same write, not killed): `old`, `new` or `mixed` (anything else). Then a
 * clean write runs and must leave no temporary or marker behind.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointNotFoundError } from '../../src/errors.js';
import { openCheckpoint } from '../../src/formats/open.js';
import { convertCheckpoint } from '../../src/formats/convert.js';
import { latestCheckpoint } from '../../src/checkpoint/state.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GRAFT = join(ROOT, 'bin', 'graft');
export const CHILD = fileURLToPath(new URL('./fault-child.js', import.meta.url));
/** Two real checkpoints with the same tensors and different values (a TF Estimator run at steps 1 and 20000). */
export const SRC_OLD = join(ROOT, 'test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-1');
export const SRC_NEW = join(ROOT, 'test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000');

/** A write path under test. */
export interface WritePath {
  name: string;
  /** Prepare `dir` (the OLD state). */
  setup(dir: string): Promise<void>;
  /** The child's argv (after node). */
  argv(dir: string): string[];
  /** The destination's files as {name: bytes} (after a user-level open); undefined = nothing there. */
  snapshot(dir: string): Promise<Map<string, Buffer> | undefined>;
}

/** What a run of kill points found. */
export interface PathFigures {
  path: string;
  steps: number;
  tried: number;
  stepKills: number;
  delayKills: number;
  /** Kill points the child outlived (it finished first). */
  completed: number;
  old: number;
  new: number;
  mixed: number;
  /** Temporaries or markers left after the next clean write (must be 0). */
  debrisAfterRewrite: number;
  mixedExamples: string[];
}

/** Seeded uniform [0,1) (LCG). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Run a child; optionally SIGKILL it after `killAfterMs`. */
export function run(argv: string[], env: Record<string, string> = {}, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

function readFiles(dir: string, names: string[]): Map<string, Buffer> | undefined {
  if (names.length === 0) return undefined;
  return new Map(names.sort().map((n) => [n, readFileSync(join(dir, n))]));
}

/** Open the destination as a user would (finishing an interrupted publish); not-found is fine. */
async function userOpen(path: string): Promise<void> {
  try {
    const r = await openCheckpoint(path);
    await r.close();
  } catch (e) {
    if (!(e instanceof CheckpointNotFoundError)) throw e;
  }
}

const visible = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : []);

/** `graft convert SRC_NEW DST` to each format, fresh or over an existing OLD destination. */
export function convertPath(format: 'tf-bundle' | 'safetensors' | 'tfjs', overwrite: boolean): WritePath {
  const rel = format === 'tf-bundle' ? 'out/model.ckpt' : format === 'safetensors' ? 'out/model.safetensors' : 'out/web/model.json';
  const files = (dir: string): string[] => {
    const dst = join(dir, rel);
    if (format === 'tfjs') return visible(dirname(dst));
    if (format === 'safetensors') return visible(dirname(dst)).filter((n) => n === basename(dst));
    return visible(dirname(dst)).filter((n) => n.startsWith(`${basename(dst)}.`));
  };
  return {
    name: `convert → ${format}${overwrite ? ' --overwrite' : ''}`,
    async setup(dir) {
      mkdirSync(join(dir, 'out'), { recursive: true });
      if (overwrite) await convertCheckpoint(SRC_OLD, join(dir, rel));
    },
    argv: (dir) => [GRAFT, 'convert', SRC_NEW, join(dir, rel), ...(overwrite ? ['--overwrite'] : [])],
    async snapshot(dir) {
      await userOpen(join(dir, rel));
      return readFiles(format === 'tfjs' ? dirname(join(dir, rel)) : dirname(join(dir, rel)), files(dir));
    },
  };
}

/**
 * `graft convert SRC_NEW out/ --max-shard-size 30KB --overwrite` over an OLD Hugging Face sharded
 * set of another shard count (3 shards of ≤ 20 KB → 2 of ≤ 30 KB): the new set must replace the
 * old one whole — shards, index and the old set's extra shard.
 */
export function shardedConvertPath(): WritePath {
  const out = (dir: string): string => join(dir, 'out');
  return {
    name: 'convert → sharded safetensors --overwrite (3 shards → 2)',
    async setup(dir) {
      mkdirSync(out(dir), { recursive: true });
      await convertCheckpoint(SRC_OLD, out(dir), { maxShardSize: 20_000 });
    },
    argv: (dir) => [GRAFT, 'convert', SRC_NEW, out(dir), '--max-shard-size', '30KB', '--overwrite'],
    async snapshot(dir) {
      await userOpen(out(dir));
      return readFiles(out(dir), visible(out(dir)).filter((n) => n.startsWith('model')));
    },
  };
}

/** A TF1-style Saver saving step 2 into a run directory whose latest is step 1. */
export function saverPath(format: 'tf-bundle' | 'safetensors'): WritePath {
  return {
    name: `Saver.save (graft train-style) → ${format}`,
    async setup(dir) {
      const r = await run([CHILD, 'saver', format, dir, '1']);
      if (r.code !== 0) throw new Error(`saver setup failed: ${r.stderr}`);
    },
    argv: (dir) => [CHILD, 'saver', format, dir, '2'],
    async snapshot(dir) {
      // The run directory as `graft train` resumes it: the latest checkpoint and its files.
      const latest = await latestCheckpoint(dir);
      if (latest === null) return undefined;
      await userOpen(latest);
      const base = basename(latest);
      const names = visible(dir).filter((n) => n === base || n.startsWith(`${base}.`));
      const m = readFiles(dir, names) ?? new Map<string, Buffer>();
      m.set('<latest>', Buffer.from(base));
      return m;
    },
  };
}

function same(a: Map<string, Buffer> | undefined, b: Map<string, Buffer> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (!b.get(k)?.equals(v)) return false;
  return true;
}

const debris = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.includes('.graft-tmp-') || n.endsWith('.graft-commit')) out.push(p);
    }
  };
  walk(dir);
  return out;
};

/** Count the steps of a path (a traced, unkilled run), and take the OLD and NEW references. */
async function references(path: WritePath): Promise<{ steps: number; oldSnap: Map<string, Buffer> | undefined; newSnap: Map<string, Buffer> | undefined; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'graft-faults-ref-'));
  try {
    await path.setup(dir);
    const oldSnap = await path.snapshot(dir);
    const trace = join(dir, '.trace');
    const r = await run(path.argv(dir), { GRAFT_FAULT_TRACE: trace });
    if (r.code !== 0) throw new Error(`${path.name}: reference run failed (${r.code}): ${r.stderr}`);
    const steps = readFileSync(trace, 'utf8').trim().split('\n').length;
    rmSync(trace);
    return { steps, oldSnap, newSnap: await path.snapshot(dir), ms: r.ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Run `points` kill points on one write path (every step once, then seeded random steps and
 * random delays), `width` at a time.
 */
export async function runKillPoints(path: WritePath, points: number, seed: number, width = 2): Promise<PathFigures> {
  const ref = await references(path);
  if (same(ref.oldSnap, ref.newSnap)) throw new Error(`${path.name}: old and new destinations are identical; the check could not fail`);
  const r = rng(seed);
  const plan: ({ step: number } | { delay: number })[] = [];
  const every = Array.from({ length: ref.steps }, (_, k) => k + 1);
  if (points < ref.steps) {
    // fewer points than steps: a seeded sample of distinct steps (Fisher–Yates)
    for (let k = every.length - 1; k > 0; k--) { const j = Math.floor(r() * (k + 1)); [every[k], every[j]] = [every[j]!, every[k]!]; }
    every.length = points;
  }
  for (const k of every) plan.push({ step: k });
  while (plan.length < points) plan.push(r() < 0.5 ? { step: 1 + Math.floor(r() * ref.steps) } : { delay: Math.floor(r() * Math.max(1, ref.ms)) });
  const fig: PathFigures = { path: path.name, steps: ref.steps, tried: 0, stepKills: 0, delayKills: 0, completed: 0, old: 0, new: 0, mixed: 0, debrisAfterRewrite: 0, mixedExamples: [] };
  const base = mkdtempSync(join(tmpdir(), 'graft-faults-'));
  const seedDir = join(base, 'seed');
  mkdirSync(seedDir);
  await path.setup(seedDir);
  let next = 0;
  try {
    await Promise.all(Array.from({ length: width }, async () => {
      while (next < plan.length) {
        const i = next++;
        const p = plan[i]!;
        const dir = join(base, `p${i}`);
        cpSync(seedDir, dir, { recursive: true });
        const res = 'step' in p
          ? await run(path.argv(dir), { GRAFT_FAULT_KILL_AT: String(p.step) })
          : await run(path.argv(dir), {}, p.delay);
        fig.tried++;
        if ('step' in p) fig.stepKills++; else fig.delayKills++;
        if (res.signal !== 'SIGKILL') {
          if (res.code !== 0) throw new Error(`${path.name}: point ${JSON.stringify(p)}: child exited ${res.code}: ${res.stderr}`);
          fig.completed++;
        }
        let snap: Map<string, Buffer> | undefined;
        let err: unknown;
        try {
          snap = await path.snapshot(dir);
        } catch (e) {
          err = e;
        }
        if (err === undefined && same(snap, ref.oldSnap)) fig.old++;
        else if (err === undefined && same(snap, ref.newSnap)) fig.new++;
        else {
          fig.mixed++;
          if (fig.mixedExamples.length < 5) fig.mixedExamples.push(`${JSON.stringify(p)}: ${err ? String(err) : `files ${[...(snap?.keys() ?? [])].join(',')}`}`);
        }
        // The next clean write finishes or removes whatever the kill left.
        const argv = path.argv(dir);
        const again = await run(argv[1] === 'convert' && !argv.includes('--overwrite') ? [...argv, '--overwrite'] : argv);
        if (again.code !== 0) throw new Error(`${path.name}: rewrite after ${JSON.stringify(p)} failed: ${again.stderr}`);
        fig.debrisAfterRewrite += debris(dir).length;
        rmSync(dir, { recursive: true, force: true });
      }
    }));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  return fig;
}

/** Every write path of the suite. */
export function allWritePaths(): WritePath[] {
  return [
    saverPath('tf-bundle'),
    saverPath('safetensors'),
    ...(['tf-bundle', 'safetensors', 'tfjs'] as const).flatMap((f) => [convertPath(f, false), convertPath(f, true)]),
    shardedConvertPath(),
  ];
}
