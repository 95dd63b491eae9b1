/**
 * `tf.nn.embedding_lookup(params, ids, partition_strategy)` over a PartitionedVariable
 * (python/ops/embedding_ops.py `embedding_lookup` / `_embedding_lookup_and_transform`): with n
 * parts, id `i` is row `i // n` of part `i % n` under TF's default strategy `'mod'`, and under
 * `'div'` the parts hold consecutive ids — `p = max(i // (q + 1), (i - r) // q)` with
 * `q = N // n`, `r = N % n` — which is the row `i` of `asTensor()` for parts made by
 * get_variable's slicing. One part is a plain gather. Each part is gathered for its ids and the
 * rows are put back in id order, so the gradient reaches only the parts (and rows) looked up.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import type { PartitionedVariable } from './partitioned-variable.js';

/** Options of {@link embeddingLookupPartitioned}. */
export interface PartitionedLookupOptions {
  /** TF's `partition_strategy`; default `'mod'` (TF's default). */
  partitionStrategy?: 'mod' | 'div';
}

/**
 * Look `ids` (int, any shape) up in the parts of `params` (split along axis 0); returns
 * `[...ids.shape, ...rowShape]`.
 * @throws InvalidArgumentError `bad_partition_strategy`, `bad_partition_axis`, `id_out_of_range`
 */
export function embeddingLookupPartitioned(params: PartitionedVariable, ids: tf.Tensor, options: PartitionedLookupOptions = {}): tf.Tensor {
  const strategy = options.partitionStrategy ?? 'mod';
  if (strategy !== 'mod' && strategy !== 'div') {
    throw new InvalidArgumentError('bad_partition_strategy', `Unrecognized partition strategy: ${String(strategy)}`, { hint: "use 'mod' or 'div'" });
  }
  if (params.partitionAxis !== 0) {
    throw new InvalidArgumentError('bad_partition_axis', `${params.name} is partitioned along axis ${params.partitionAxis}; embedding lookups need parts split along axis 0`, {
      hint: 'partition the embedding table along its rows (axis 0)',
      details: { name: params.name, partitions: params.partitions },
    });
  }
  const parts = params.variables;
  const intIds = ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32');
  try {
    if (parts.length === 1) return tf.gather(parts[0]!, intIds);
    const n = parts.length;
    const total = params.shape[0]!;
    const flat = intIds.dataSync();
    const q = Math.floor(total / n);
    const r = total % n;
    if (flat.length === 0) return tf.zeros([...intIds.shape, ...params.shape.slice(1)], parts[0]!.dtype);
    const byPart: { rows: number[]; positions: number[] }[] = parts.map(() => ({ rows: [], positions: [] }));
    flat.forEach((id, pos) => {
      if (!Number.isInteger(id) || id < 0 || id >= total) {
        throw new InvalidArgumentError('id_out_of_range', `id ${id} at position ${pos} is outside [0, ${total}) of ${params.name}`, {
          hint: 'ids must index rows of the embedding table',
          details: { name: params.name, id, position: pos },
        });
      }
      let p: number;
      let row: number;
      if (strategy === 'mod') {
        p = id % n;
        row = Math.floor(id / n);
      } else {
        p = q === 0 ? id : Math.max(Math.floor(id / (q + 1)), Math.floor((id - r) / q));
        row = p < r ? id % (q + 1) : (id - r) % q;
      }
      byPart[p]!.rows.push(row);
      byPart[p]!.positions.push(pos);
    });
    return tf.tidy(() => {
      const gathered: tf.Tensor[] = [];
      const order: number[] = [];
      byPart.forEach(({ rows, positions }, p) => {
        if (rows.length === 0) return;
        gathered.push(tf.gather(parts[p]!, tf.tensor1d(rows, 'int32')));
        order.push(...positions);
      });
      // inverse permutation: output position → index in the concatenation
      const inverse = new Int32Array(order.length);
      order.forEach((pos, i) => (inverse[pos] = i));
      const stacked = gathered.length === 1 ? gathered[0]! : tf.concat(gathered, 0);
      const rowsInOrder = tf.gather(stacked, tf.tensor1d(inverse, 'int32'));
      return tf.reshape(rowsInOrder, [...intIds.shape, ...params.shape.slice(1)]);
    });
  } finally {
    if (intIds !== ids) intIds.dispose();
  }
}
