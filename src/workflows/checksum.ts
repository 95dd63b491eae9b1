/**
 * Checksums of variable bytes, to prove that frozen parts did not change (sha256 over the raw
 * little-endian values, hex, first 16 characters — shown in reports).
 */
import { sha256Hex } from '../io/fs.js';
import type { ParameterSet } from '../variables/parameter-set.js';

/** sha256 (16 hex chars) of each parameter's bytes, by name. */
export function parameterChecksums(params: ParameterSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of params) {
    const data = p.variable.dataSync();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    out[p.name] = sha256Hex([bytes]).slice(0, 16);
  }
  return out;
}

/** One checksum over several parameters (names in order). */
export function combinedChecksum(params: ParameterSet): string {
  const parts: (string | Uint8Array)[] = [];
  for (const p of params) {
    const data = p.variable.dataSync();
    parts.push(p.name, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return sha256Hex(parts).slice(0, 16);
}
