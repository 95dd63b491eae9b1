/**
 * Child process of crash-safety.test.ts (not a test file): resumes from DIR through a
 * CheckpointManager, prints "ready", then saves step after step (values = crashValues(step))
 * until the parent SIGKILLs it. It exits by itself after a few seconds in case the parent died.
 * Uses the cpu backend directly: it only creates and assigns variables, and loading the full
 * backend would dominate the test's time.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CheckpointManager } from '../../src/checkpoint/manager.js';
import { crashModel, crashValues } from './crash-model.js';

const dir = process.argv[2]!;
const deadline = Date.now() + 8000;
await tf.setBackend('cpu');
const params = crashModel();
const manager = new CheckpointManager(dir, { params, maxToKeep: 3, meta: { model: { name: 'crash-test', config: {} } } });
const report = await manager.restoreOrInitialize();
let step = report.step ?? 0;
process.stdout.write(`ready ${step}\n`);
while (Date.now() < deadline) {
  step += 1;
  for (const p of params) {
    const t = crashValues(p.name, step);
    p.variable.assign(t);
    t.dispose();
  }
  await manager.save(step);
}
process.exit(0);
