/**
 * Embedding lookup the TF1 way: `get_variable(name, [vocab, dim])` in the current variable scope
 * (or under `scope`) then `tf.nn.embedding_lookup` (a gather). The default variable name is
 * `embedding`, as in the TF1 text models (`Model/embedding`). The gradient is TF's IndexedSlices
 * when the optimizer asks for sparse updates (embedding-lookup.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../initializers.js';
import type { VariableStore } from '../store.js';
import { embeddingLookup } from '../embedding-lookup.js';

/** Options of {@link embedding}. */
export interface EmbeddingOptions {
  /** Open this variable scope first; default: none (the current scope). */
  scope?: string;
  /** Variable name; default `embedding`. */
  name?: string;
  /** Default: the scope's initializer, else glorot uniform. */
  initializer?: Initializer;
  trainable?: boolean;
}

/** Look `ids` (int32, any shape) up in a `[vocabSize, dim]` table; returns `[...ids.shape, dim]`. */
export function embedding(store: VariableStore, ids: tf.Tensor, vocabSize: number, dim: number, options: EmbeddingOptions = {}): tf.Tensor {
  const make = (): tf.Tensor => {
    const table = store.getVariable(options.name ?? 'embedding', { shape: [vocabSize, dim], initializer: options.initializer, trainable: options.trainable });
    return embeddingLookup(table, ids);
  };
  return options.scope ? store.variableScope(options.scope, {}, make) : make();
}
