/**
 * Child process of sigkill.test.ts (not a test): saves checkpoints in a loop until killed.
 * argv: DIR MODE FSYNC — MODE `seq`: a new prefix per step (model.ckpt-N) + the `checkpoint` state
 * file + deleting step N-2 (index first), as TF's Saver does; MODE `same`: the same prefix each time.
 * Tensor values encode the step, so a reader can tell a consistent checkpoint from a torn one.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBundle } from '../../../src/formats/tf-bundle/index.js';
import { writeCheckpointState } from '../../../src/formats/state-file.js';
import type { TensorValue } from '../../../src/formats/types.js';

/** The tensors saved at `step`: 6 float32 [2048] filled with step*1000+i, and global_step. */
export function stepTensors(step: number): TensorValue[] {
  const out: TensorValue[] = [];
  for (let i = 0; i < 6; i++) {
    out.push({ name: `layer${i}/weights`, dtype: 'float32', shape: [2048], data: new Uint8Array(new Float32Array(2048).fill(step * 1000 + i).buffer) });
  }
  out.push({ name: 'global_step', dtype: 'int64', shape: [], data: new Uint8Array(new BigInt64Array([BigInt(step)]).buffer) });
  return out;
}

async function main(): Promise<void> {
  const [dir, mode, fsyncFlag] = process.argv.slice(2) as [string, string, string];
  const fsync = fsyncFlag === '1';
  const prefixes: string[] = [];
  for (let step = 1; ; step++) {
    const prefix = mode === 'same' ? join(dir, 'model.ckpt') : join(dir, `model.ckpt-${step}`);
    await writeBundle(prefix, stepTensors(step), { fsync });
    if (mode === 'seq') {
      prefixes.push(prefix);
      const keep = prefixes.slice(-2);
      await writeCheckpointState(dir, { modelCheckpointPath: prefix, allModelCheckpointPaths: keep, allModelCheckpointTimestamps: [] });
      if (prefixes.length > 2) {
        const old = prefixes.shift()!;
        await rm(`${old}.index`, { force: true });
        await rm(`${old}.data-00000-of-00001`, { force: true });
      }
    }
    if (step === 1) process.stdout.write('ready\n');
  }
}

if (process.argv[1]?.endsWith('sigkill-child.js')) void main();
