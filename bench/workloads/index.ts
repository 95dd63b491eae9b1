/** The training benchmarks' workloads (docs/design/ENGINE-STUDY.md §1 W1, W2) in plain TF.js ops, reusable by tests. */
export { createW1 } from './w1-cnn.js';
export type { Workload, W1Options } from './w1-cnn.js';
export { createW2, basicLstmLastH } from './w2-lstm.js';
export type { W2Options, FusedLstmFn } from './w2-lstm.js';
export { uniforms, glorot, normal, labels } from './random.js';
