// The test peer: real PyTorch (Debian python3-torch), used only when installed. It loads files
// with torch.load(weights_only=True) and returns, per tensor, dtype, shape and the sha256 of its
// row-major little-endian bytes (test/fixtures/pytorch/torch_digest.py, the rule expected.json
// was made with).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../../../..', import.meta.url).pathname;

export interface TorchDigest { dtype: string; shape: number[]; sha256: string }

/** A python3 that imports torch, or null. */
export const torchPython: string | null = (() => {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
})();

/** Why torch checks are skipped. */
export const torchAbsentReason = 'python3 with torch is not installed (apt-get install python3-torch); the checked-in expected.json digests are checked instead';

/** torch's digest of every tensor of each file (keyed by the given path). */
export function torchDigests(files: string[]): Record<string, Record<string, TorchDigest>> {
  if (!torchPython) throw new Error(torchAbsentReason);
  const r = spawnSync(torchPython, [join(root, 'test/fixtures/pytorch/torch_digest.py'), ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`torch peer failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, Record<string, TorchDigest>>;
}
