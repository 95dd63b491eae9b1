/**
 * `npm run bench -- browser-train [--warmup N] [--steps N] [--windows N] [--no-peer] [--head-examples N] [--head-epochs N]`:
 * W1 (the reference MNIST CNN, batch 64, Graft's Adam; bench/workloads/w1-cnn.ts) trained in headless
 * Chromium (Debian's /usr/bin/chromium) on tfjs-backend-wasm + SIMD with Graft's JS kernel pack,
 * threads on (the page cross-origin isolated: the threaded SIMD build; with every core, and with
 * tfjs's default of half the reported cores) and off (no COOP/COEP: the single-threaded SIMD build), vs the PyTorch peer in the same run; then the
 * transfer head step in the page, features vs freeze mode. One JSON object a line; `load_avg`
 * and `uptime` label figures taken on a busy machine.
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runPeer } from './workloads/harness.js';

const root = new URL('../../', import.meta.url).pathname;
const CHROMIUM = '/usr/bin/chromium';
const { values } = parseArgs({
  options: {
    warmup: { type: 'string', default: '2' }, steps: { type: 'string', default: '5' }, windows: { type: 'string', default: '3' },
    'no-peer': { type: 'boolean', default: false }, 'head-examples': { type: 'string', default: '2000' }, 'head-epochs': { type: 'string', default: '8' },
  },
});
const num = (v: string | undefined, d: number) => Math.max(1, Number.parseInt(v ?? '', 10) || d);
const run = { warmup: num(values.warmup, 2), steps: num(values.steps, 5), windows: num(values.windows, 3) };
const load = () => ({ load_avg: Number(loadavg()[0]!.toFixed(2)), uptime: execFileSync('uptime', { encoding: 'utf8' }).trim(), under_load: loadavg()[0]! > 1.5 });

interface Server { url: string; close(): Promise<void> }

if (!existsSync(CHROMIUM)) {
  console.log(JSON.stringify({ bench: 'browser-train', skipped: true, reason: `${CHROMIUM} is absent (Debian's chromium)` }));
  process.exit(0);
}
const { buildExample } = (await import(join(root, 'examples/browser/build.mjs'))) as { buildExample(o: { entry: string; outfile: string; minify: boolean }): Promise<unknown> };
await buildExample({ entry: join(root, 'dist/bench/browser/bench-page.js'), outfile: join(root, 'examples/browser/dist/bench.js'), minify: true });
const { startServer } = (await import(join(root, 'scripts/serve-examples.mjs'))) as { startServer(o: { port: number; quiet: boolean; isolate: boolean }): Promise<Server> };
const { chromium } = await import('playwright-core');

let peerRate: number | undefined;
if (!values['no-peer']) {
  const peer = runPeer({ bench: 'browser-train', peerWorkload: 'w1', peerEnv: { OPENBLAS_NUM_THREADS: '1' } }, { warmup: 5, steps: 20, windows: 3 });
  console.log(JSON.stringify({ ...peer, ...load() }));
  peerRate = typeof peer.samples_per_s === 'number' ? peer.samples_per_s : undefined;
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const cdp = await browser.newBrowserCDPSession();
/** Summed CPU seconds of Chromium's renderer processes (DevTools protocol SystemInfo.getProcessInfo). */
async function rendererCpuSeconds(): Promise<number> {
  const r = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; cpuTime: number }[] };
  return r.processInfo.filter((p) => p.type === 'renderer').reduce((a, p) => a + p.cpuTime, 0);
}
try {
  // tfjs-backend-wasm caps its XNNPACK pool at navigator.hardwareConcurrency / 2 (it assumes two
  // hardware threads per core): 1 thread on a 2-core machine. `threads` reports 2× the real count
  // through the DevTools protocol so the pool gets every core; `threads-default` is tfjs's own choice.
  const configs = [
    { name: 'threads', isolate: true, concurrency: 2 * availableParallelism() },
    { name: 'threads-default', isolate: true, concurrency: 0 },
    { name: 'no-threads', isolate: false, concurrency: 0 },
  ];
  for (const config of configs) {
    const server = await startServer({ port: 0, quiet: true, isolate: config.isolate });
    const page = await browser.newPage();
    if (config.concurrency) await (await page.context().newCDPSession(page)).send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency: config.concurrency });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${server.url}/bench/browser/`);
      await page.waitForFunction(() => 'graftBench' in globalThis);
      const cpu0 = await rendererCpuSeconds();
      const r = await page.evaluate((a) => (globalThis as unknown as { graftBench: { w1(a: unknown): Promise<Record<string, unknown>> } }).graftBench.w1(a), run);
      const cpu = (await rendererCpuSeconds()) - cpu0;
      // renderer CPU time (all its threads) per step over the warm-up and timed steps: on a loaded
      // machine this is closer to what the step costs than the wall time (cf. the peer's cpu_ms_per_step)
      if (cpu > 0) r.cpu_ms_per_step = Number(((1000 * cpu) / (run.warmup + run.steps * run.windows)).toFixed(1));
      const sps = r.samples_per_s as number;
      console.log(JSON.stringify({ bench: 'browser-train', engine: `chromium-wasm-simd-${config.name}`, ...r, ...(peerRate ? { ratio_to_pytorch: Number((sps / peerRate).toFixed(3)) } : {}), ...load() }));
      if (config.name === 'threads') {
        const h = await page.evaluate((a) => (globalThis as unknown as { graftBench: { head(a: unknown): Promise<Record<string, unknown>> } }).graftBench.head(a), { examples: num(values['head-examples'], 2000), epochs: num(values['head-epochs'], 8) });
        console.log(JSON.stringify({ bench: 'browser-train', engine: 'chromium-transfer-head-step', ...h, ...load() }));
      }
    } catch (e) {
      console.log(JSON.stringify({ bench: 'browser-train', engine: `chromium-wasm-simd-${config.name}`, samples_per_s: null, skipped: true, reason: `${(e as Error).message.split('\n')[0]}${errors.length ? `; page: ${errors[0]}` : ''}` }));
    } finally {
      await page.close();
      await server.close();
    }
  }
} finally {
  await browser.close();
}
