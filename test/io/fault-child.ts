/**
 * Child process of the fault-injection suite (faults.ts; not a test file).
 *   saver FORMAT DIR STEP   a TF1-style Saver saves the crash model's values of STEP as
 *                           DIR/model.ckpt-STEP in FORMAT (tf-bundle | safetensors), state file included
 *   flip A B DST MS         converts A and B alternately to DST (overwrite) for MS milliseconds
 * Kill points come from GRAFT_FAULT_KILL_AT (src/io/fault.ts). Uses the cpu backend directly
 * (loading the full backend would dominate the suite's time).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { join } from 'node:path';
import { Saver } from '../../src/checkpoint/saver.js';
import { convertCheckpoint } from '../../src/formats/convert.js';
import { CRASH_SPECS, crashModel, crashValues } from '../checkpoint/crash-model.js';

const [mode, ...args] = process.argv.slice(2);
if (mode === 'saver') {
  const [format, dir, step] = args as [string, string, string];
  await tf.setBackend('cpu');
  const params = crashModel();
  for (const [name] of CRASH_SPECS) params.require(name).variable.assign(crashValues(name, Number(step)));
  const saver = new Saver({ varList: params, format: format as 'tf-bundle' | 'safetensors', maxToKeep: 5 });
  await saver.save(join(dir, 'model.ckpt'), { globalStep: Number(step) });
} else if (mode === 'flip') {
  const [a, b, dst, ms] = args as [string, string, string, string];
  const end = Date.now() + Number(ms);
  let n = 0;
  while (Date.now() < end) await convertCheckpoint(n++ % 2 === 0 ? a : b, dst, { overwrite: true });
  process.stdout.write(`${n}\n`);
} else {
  process.stderr.write(`fault-child: unknown mode ${mode}\n`);
  process.exit(2);
}
