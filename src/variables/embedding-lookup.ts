/**
 * `tf.nn.embedding_lookup` with TF's sparse gradient: in TensorFlow the gradient of a `gather`
 * from a variable is an `IndexedSlices` (`python/ops/array_grad.py`, `_GatherGrad`: values = the
 * output gradient reshaped to `[n, ...rest]`, indices = the flattened ids), so an optimizer
 * updates only the looked-up rows. TF.js's gather gradient is dense (an unsorted segment sum
 * into the whole table). Here a lookup run inside {@link captureLookupGradients} records its
 * output gradient and ids instead; the table's dense gradient is then an all-zero placeholder
 * the optimizer replaces by the captured slices (train/ does that in `computeGradients`).
 * Outside a capture this is a plain `tf.gather`.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One lookup's gradient as TF's `IndexedSlices`: rows `indices` of the table get `values`. */
export interface CapturedLookup {
  /** The looked-up table. */
  variable: tf.Variable;
  /** Flattened ids, int32 `[n]` (duplicates allowed, as TF's). */
  indices: tf.Tensor1D;
  /** Gradient of the looked-up rows, `[n, ...table.shape.slice(1)]`. */
  values: tf.Tensor;
  /** Id of the zero tensor given to TF.js as the table's dense gradient. */
  zeroId: number;
}

let active: CapturedLookup[] | null = null;

/**
 * One kept all-zero tensor per table shape, handed to TF.js as the table's dense gradient each
 * step (filling a fresh one would cost as much as the dense update sparse slices avoid). TF.js
 * may dispose it when it adds it to another gradient (tied weights); it is then made again.
 */
const zeros = new Map<string, tf.Tensor>();

function zeroFor(shape: number[], dtype: tf.DataType): tf.Tensor {
  const key = `${dtype}:${shape.join(',')}`;
  let z = zeros.get(key);
  if (!z || z.isDisposed) {
    z = tf.keep(tf.zeros(shape, dtype));
    zeros.set(key, z);
  }
  return z;
}

/** Whether `t` is the shared zero placeholder of a lookup (never dispose it). */
export function isLookupZero(t: tf.Tensor): boolean {
  return zeros.get(`${t.dtype}:${t.shape.join(',')}`) === t;
}

/**
 * Look `ids` (int32, any shape) up in `params` (`[vocab, ...rest]`); returns `[...ids.shape, ...rest]`.
 * Inside {@link captureLookupGradients} and for a variable, its gradient is captured as slices.
 */
export function embeddingLookup(params: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const intIds = ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32');
  const capture = active;
  if (capture === null || !(params instanceof tf.Variable)) return tf.gather(params, intIds);
  const variable = params;
  const flat = tf.reshape(intIds, [-1]) as tf.Tensor1D;
  const rest = params.shape.slice(1);
  const lookup = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const table = inputs[0] as tf.Tensor;
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      const g = Array.isArray(dy) ? dy[0]! : dy;
      const zero = zeroFor(table.shape, table.dtype);
      capture.push({ variable, indices: tf.keep(tf.clone(flat)), values: tf.keep(tf.reshape(g, [flat.shape[0], ...rest])), zeroId: zero.id });
      return [zero];
    };
    return { value: tf.gather(table, flat), gradFunc };
  });
  return tf.reshape(lookup(params), [...intIds.shape, ...rest]);
}

/**
 * Run `fn` (the forward and backward pass) with lookups captured; returns what `fn` returned and
 * the captured slices (kept tensors: the caller disposes `indices` and `values`). Not reentrant.
 */
export function captureLookupGradients<T>(fn: () => T): { result: T; captured: CapturedLookup[] } {
  const outer = active;
  const captured: CapturedLookup[] = [];
  active = captured;
  try {
    return { result: fn(), captured };
  } finally {
    active = outer;
  }
}
