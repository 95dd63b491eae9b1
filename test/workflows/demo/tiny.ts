import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoSize } from '../../../src/workflows/demo/index.js';

/** Small real slices with fixed seeds: enough to assert real outcomes in seconds. */
export const TINY: DemoSize = { quick: true, mnistTrain: 500, mnistTest: 300, intents: 6, perClass: 40, textTest: 150, epochs: 2, maxEpochs: 4, patienceEpochs: 1 };

/** A temp work dir and its cleanup. */
export function workDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'graft-scenario-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}
