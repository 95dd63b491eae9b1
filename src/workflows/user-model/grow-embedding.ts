/**
 * More rows for a text LayersModel's Embedding when a class change brings words its vocabulary
 * lacks (the vocabulary grows at its end, models/data/vocabulary.ts `extend`, so every old id
 * keeps its row): the model is rebuilt from its topology with the Embedding's `input_dim` set to
 * the new size, every weight copied by layer name, the embedding's old rows copied and its new
 * rows taken from the rebuilt layer's initializer — TF's warm start with `VocabInfo` (old rows
 * remapped, new ones from the backup initializer), as the built-in models do (workflows/class-change.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../../errors.js';

/** The Embedding that reads the token ids (the first one). */
function embeddingOf(model: tfl.LayersModel): tfl.layers.Layer {
  const e = model.layers.find((l) => l.getClassName() === 'Embedding');
  if (!e) throw new InvalidArgumentError('no_embedding', 'the model has no Embedding layer to grow', { hint: 'only text models read token ids' });
  return e;
}

/**
 * A copy of `model` whose first Embedding has `rows` rows (≥ its current count); the old model is
 * left as it is.
 * @throws InvalidArgumentError `no_embedding`, `embedding_not_in_topology`, `cannot_shrink_embedding`.
 */
export async function withEmbeddingRows(model: tfl.LayersModel, rows: number): Promise<tfl.LayersModel> {
  const emb = embeddingOf(model);
  const old = Number(emb.getConfig().inputDim);
  if (rows < old) throw new InvalidArgumentError('cannot_shrink_embedding', `the embedding ${emb.name} has ${old} rows; ${rows} would drop trained ones`, { hint: 'vocabularies only grow' });
  const topology = model.toJSON(null, false) as unknown as Record<string, unknown>;
  let hits = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(walk); return; }
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    const c = o.config as Record<string, unknown> | undefined;
    if (o.class_name === 'Embedding' && c?.name === emb.name) { c.input_dim = rows; hits++; return; }
    Object.values(o).forEach(walk);
  };
  walk(topology);
  if (hits !== 1) throw new InvalidArgumentError('embedding_not_in_topology', `the topology holds ${hits} Embedding layers named ${emb.name}`, { hint: 'give the embedding a unique name' });
  const next = await tfl.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  const byName = new Map(model.layers.map((l) => [l.name, l] as const));
  for (const l of next.layers) {
    const src = byName.get(l.name);
    if (!src || !src.weights.length) continue;
    if (l.name !== emb.name) { l.setWeights(src.getWeights()); continue; }
    const [oldRows] = src.getWeights();
    const [fresh] = l.getWeights();
    const grown = tf.tidy(() => tf.concat([oldRows!, fresh!.slice([old, 0], [rows - old, -1])], 0));
    l.setWeights([grown]);
    grown.dispose();
  }
  return next;
}
