/**
 * `npm run bench -- train-lstm [--engines wasm,native,cpu] [--warmup N] [--steps N] [--windows N]
 * [--no-peer] [--optimizer graft|tfjs] [--profile]`: W2 (embedding 5000x64, LSTM 128 over 32 steps,
 * 77 classes, batch 64, Adam) on each Graft engine vs PyTorch with OMP_WAIT_POLICY=PASSIVE (its best
 * setting here; docs/design/ENGINE-STUDY.md §1). The LSTM runs as one sequence op: the native kernel when loaded,
 * else the JS pack's (GRAFT_BENCH_LSTM=steps forces per-step TF.js ops).
 */
import { basicLstmSequence } from '../src/runtime/index.js';
import { main } from './workloads/harness.js';
import { createW2 } from './workloads/w2-lstm.js';
import type { FusedLstmFn } from './workloads/w2-lstm.js';

/** The native helper's fused LSTM op, when that module is part of this build. */
async function fusedLstm(): Promise<FusedLstmFn | undefined> {
  const spec = '../src/runtime/ops/lstm-sequence.js';
  try {
    const mod = (await import(spec)) as { fusedBasicLstm?: FusedLstmFn };
    return mod.fusedBasicLstm;
  } catch {
    return undefined;
  }
}

await main({
  bench: 'train-lstm',
  peerWorkload: 'w2',
  peerEnv: { OMP_WAIT_POLICY: 'PASSIVE' },
  graft: { warmup: 2, steps: 10, windows: 3 },
  peer: { warmup: 5, steps: 20, windows: 3 },
  build: async () => {
    // GRAFT_BENCH_LSTM=steps: per-step TF.js ops even where a sequence kernel exists (for comparison)
    if (process.env.GRAFT_BENCH_LSTM === 'steps') return createW2();
    const native = await fusedLstm();
    return createW2({ fusedLstm: (a) => native?.(a) ?? basicLstmSequence(a) });
  },
}, process.argv.slice(2));
