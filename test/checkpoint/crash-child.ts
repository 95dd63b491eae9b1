/**
 * Child process of crash-safety.test.ts (not a test file). Mode `manager`: resumes from DIR
 * through a CheckpointManager and saves `model.ckpt-STEP` step after step. Mode `resave`: a
 * Saver re-saves the same prefix `DIR/model.ckpt` (no globalStep, the TF1 habit). Values are
 * crashValues(step); it prints "ready" once resumed and saves until the parent SIGKILLs it
 * (it exits by itself after a few seconds in case the parent died). Uses the cpu backend
 * directly: it only creates and assigns variables, and loading the full backend would dominate
 * the test's time.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { join } from 'node:path';
import { CheckpointManager } from '../../src/checkpoint/manager.js';
import { Saver } from '../../src/checkpoint/saver.js';
import { latestCheckpoint } from '../../src/checkpoint/state.js';
import { crashModel, crashValues } from './crash-model.js';

const [dir, mode] = [process.argv[2]!, process.argv[3] ?? 'manager'];
const deadline = Date.now() + 8000;
await tf.setBackend('cpu');
const params = crashModel();
let save: (step: number) => Promise<unknown>;
let step: number;
if (mode === 'resave') {
  const saver = new Saver({ varList: params, maxToKeep: 3 });
  const latest = await latestCheckpoint(dir);
  if (latest !== null) await saver.restore(latest);
  step = params.require('global_step').variable.dataSync()[0]!;
  save = () => saver.save(join(dir, 'model.ckpt'));
} else {
  const manager = new CheckpointManager(dir, { params, maxToKeep: 3, meta: { model: { name: 'crash-test', config: {} } } });
  step = (await manager.restoreOrInitialize()).step ?? 0;
  save = (s) => manager.save(s);
}
process.stdout.write(`ready ${step}\n`);
while (Date.now() < deadline) {
  step += 1;
  for (const p of params) {
    const t = crashValues(p.name, step);
    p.variable.assign(t);
    t.dispose();
  }
  await save(step);
}
process.exit(0);
