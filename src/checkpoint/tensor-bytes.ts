/**
 * Conversions between TF.js variables and checkpoint bytes (`TensorValue`: raw little-endian
 * row-major bytes). TF.js holds float32, int32 and bool; checkpoints hold more, so:
 *
 * | variable (expected)     | checkpoint dtypes accepted          | note in the report          |
 * |-------------------------|-------------------------------------|-----------------------------|
 * | float32                 | float32                             | —                           |
 * | float32                 | float16, bfloat16 (exact), float64  | "float64 → float32 (rounded)"|
 * | float32                 | float8_e4m3fn, float8_e5m2 (exact)  | "float8_e5m2 → float32 (exact)"|
 * | int32                   | int32; int64 when every value fits  | "int64 → int32"             |
 * | int32 saved as int64    | int64 (range-checked), int32        | —                           |
 * | bool                    | bool                                | —                           |
 *
 * Anything else is a `dtype_mismatch`. Graft runs on little-endian hosts only (every Node
 * platform TF.js supports), so typed-array views of the bytes are the on-disk layout.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DType, TensorValue } from '../formats/types.js';
import { numElements } from '../formats/types.js';
import { InvalidArgumentError } from '../errors.js';
import { float8ToFloat32 } from '../formats/float8.js';

/** The dtype a parameter has in checkpoints: its `saveDtype`, else its TF.js dtype. */
export function checkpointDtypeOf(variable: tf.Variable, saveDtype?: 'int64'): DType {
  if (saveDtype) return saveDtype;
  return variable.dtype as DType;
}

/**
 * Whether a checkpoint tensor of dtype `found` can be loaded into a variable expecting
 * `expected`, and what the report should say about the conversion (undefined: none needed).
 * Returns `false` for a dtype mismatch.
 */
export function conversionFor(expected: DType, found: DType): { note?: string } | false {
  if (expected === found) return {};
  if (expected === 'float32') {
    if (found === 'float16' || found === 'bfloat16' || found === 'float8_e4m3fn' || found === 'float8_e5m2') return { note: `${found} → float32 (exact)` };
    if (found === 'float64') return { note: 'float64 → float32 (rounded)' };
    return false;
  }
  if (expected === 'int32' && found === 'int64') return { note: 'int64 → int32 (range-checked)' };
  if (expected === 'int64' && found === 'int32') return { note: 'int32 → int64 variable' };
  return false;
}

/** Copy bytes into a fresh, aligned ArrayBuffer (checkpoint bytes may sit at any offset). */
function aligned(data: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(data.byteLength);
  out.set(data);
  return out.buffer;
}

/** IEEE half → float (exact). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Decode a checkpoint tensor into the values of a TF.js tensor of dtype `target`
 * (`'float32' | 'int32' | 'bool'`).
 * @throws InvalidArgumentError `int64_out_of_range` when an int64 value does not fit int32;
 *   `dtype_mismatch` for a pair {@link conversionFor} rejects; `bad_tensor_size` when the byte
 *   count disagrees with the shape.
 */
export function valuesFromTensorValue(value: TensorValue, target: 'float32' | 'int32' | 'bool'): Float32Array | Int32Array | Uint8Array {
  const n = numElements(value.shape);
  const expectBytes = value.dtype === 'string' ? 0 : n * dtypeBytes(value.dtype);
  if (value.data.byteLength !== expectBytes) {
    throw new InvalidArgumentError('bad_tensor_size', `tensor "${value.name}" (${value.dtype} [${value.shape.join(',')}]) has ${value.data.byteLength} bytes; expected ${expectBytes}`, {
      hint: 'the checkpoint is damaged or was written by a broken writer; re-export it',
      details: { name: value.name, bytes: value.data.byteLength, expected: expectBytes },
    });
  }
  const buf = aligned(value.data);
  const src = value.dtype;
  if (target === 'float32') {
    if (src === 'float32') return new Float32Array(buf);
    if (src === 'float64') return Float32Array.from(new Float64Array(buf));
    if (src === 'float16') return Float32Array.from(new Uint16Array(buf), halfToFloat);
    if (src === 'bfloat16') {
      const u16 = new Uint16Array(buf);
      const u32 = new Uint32Array(n);
      for (let i = 0; i < n; i++) u32[i] = u16[i]! << 16;
      return new Float32Array(u32.buffer);
    }
    if (src === 'float8_e4m3fn' || src === 'float8_e5m2') return float8ToFloat32(new Uint8Array(buf), src);
  } else if (target === 'int32') {
    if (src === 'int32') return new Int32Array(buf);
    if (src === 'int64') {
      const big = new BigInt64Array(buf);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = big[i]!;
        if (v > 2147483647n || v < -2147483648n) {
          throw new InvalidArgumentError('int64_out_of_range', `tensor "${value.name}" holds int64 value ${v} at element ${i}, outside the int32 range TF.js variables have`, {
            hint: 'TF.js has no int64; exclude this variable from the restore or reset it (e.g. a global_step above 2^31-1)',
            details: { name: value.name, index: i, value: v.toString() },
          });
        }
        out[i] = Number(v);
      }
      return out;
    }
  } else if (target === 'bool' && src === 'bool') {
    return new Uint8Array(buf);
  }
  throw new InvalidArgumentError('dtype_mismatch', `tensor "${value.name}" is ${src}; it cannot be loaded into a ${target} variable`, {
    hint: 'exclude this variable, or convert the checkpoint tensor to the variable\'s dtype first',
    details: { name: value.name, expected: target, found: src },
  });
}

/** Bytes per element of a fixed-size dtype. */
export function dtypeBytes(dtype: DType): number {
  switch (dtype) {
    case 'float16': case 'bfloat16': case 'int16': case 'uint16': return 2;
    case 'float32': case 'int32': case 'uint32': return 4;
    case 'float64': case 'int64': case 'uint64': case 'complex64': return 8;
    case 'complex128': return 16;
    case 'int8': case 'uint8': case 'bool': case 'float8_e4m3fn': case 'float8_e5m2': return 1;
    case 'string': return 0;
  }
}

/**
 * Build a TF.js tensor (not a variable) of the variable's dtype and shape from checkpoint bytes.
 * The caller owns (and disposes) the result.
 */
export function tensorFromTensorValue(value: TensorValue, variable: tf.Variable, shape: readonly number[] = variable.shape): tf.Tensor {
  const target = variable.dtype;
  if (target !== 'float32' && target !== 'int32' && target !== 'bool') {
    throw new InvalidArgumentError('dtype_mismatch', `variable for "${value.name}" has TF.js dtype ${target}, which Graft cannot restore`, {
      hint: 'only float32, int32 and bool variables can be restored',
      details: { name: value.name, expected: target },
    });
  }
  const values = valuesFromTensorValue(value, target);
  return tf.tensor(values, [...shape], target);
}

/**
 * Snapshot a variable's current values as checkpoint bytes under checkpoint name `name`
 * (`saveDtype: 'int64'` widens an int32 variable to int64, as TF stores `global_step`).
 */
export function tensorValueFromVariable(name: string, variable: tf.Variable, saveDtype?: 'int64'): TensorValue {
  const shape = [...variable.shape];
  const dtype = variable.dtype;
  const values = variable.dataSync();
  if (saveDtype === 'int64') {
    if (dtype !== 'int32') {
      throw new InvalidArgumentError('bad_save_dtype', `variable "${name}" is ${dtype}; saveDtype int64 needs an int32 variable`, {
        hint: 'use saveDtype only for int32 counters such as global_step',
        details: { name, dtype },
      });
    }
    const big = BigInt64Array.from(values as Int32Array, (v) => BigInt(v));
    return { name, dtype: 'int64', shape, data: new Uint8Array(big.buffer) };
  }
  if (dtype === 'float32') return { name, dtype, shape, data: new Uint8Array(Float32Array.from(values as Float32Array).buffer) };
  if (dtype === 'int32') return { name, dtype, shape, data: new Uint8Array(Int32Array.from(values as Int32Array).buffer) };
  if (dtype === 'bool') return { name, dtype, shape, data: Uint8Array.from(values as Uint8Array, (v) => (v ? 1 : 0)) };
  throw new InvalidArgumentError('unsupported_dtype', `variable "${name}" has TF.js dtype ${dtype}, which Graft does not save`, {
    hint: 'save float32, int32 or bool variables',
    details: { name, dtype },
  });
}
