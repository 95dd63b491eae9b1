/** The logs tfjs hands to callbacks, as plain numbers (tfjs may pass scalar tensors). */
import * as tf from '@tensorflow/tfjs-core';
import type { Logs } from '@tensorflow/tfjs-layers';

/** `{key: number}` from tfjs callback logs (scalar tensors read, other values dropped). */
export async function resolveLogs(logs: Logs | Record<string, unknown> | undefined): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(logs ?? {})) {
    if (typeof v === 'number') out[k] = v;
    else if (v instanceof tf.Tensor && v.size === 1) out[k] = (await v.data())[0]!;
  }
  return out;
}
