/**
 * `npm run bench -- train-cnn [--engines wasm,native,cpu] [--warmup N] [--steps N] [--windows N]
 * [--no-peer] [--optimizer graft|tfjs] [--profile]`: W1 (reference MNIST CNN, batch 64, Adam) on each
 * Graft engine vs PyTorch with OPENBLAS_NUM_THREADS=1 (its best setting here; docs/design/ENGINE-STUDY.md §1).
 */
import { main } from './workloads/harness.js';
import { createW1 } from './workloads/w1-cnn.js';

await main({
  bench: 'train-cnn',
  peerWorkload: 'w1',
  peerEnv: { OPENBLAS_NUM_THREADS: '1' },
  graft: { warmup: 2, steps: 5, windows: 3 },
  peer: { warmup: 5, steps: 20, windows: 3 },
  build: async () => createW1({ fused: process.env.GRAFT_BENCH_PLAIN_OPS !== '1' }),
}, process.argv.slice(2));
