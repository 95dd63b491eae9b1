// Shared pieces of the layers/ tests: real LayersModels built the usual tfjs way (tf.sequential and
// the functional API) with seeded initialisers, and small real slices of MNIST and BANKING77
// loaded with the library's own loaders (src/models/data), as tensors model.fit takes.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/runtime/backend.js';
import { loadMnist } from '../../src/models/data/mnist.js';
import { loadBanking77, textExampleSet } from '../../src/models/data/banking77.js';
import { Vocabulary } from '../../src/models/data/vocabulary.js';

/** initBackend(), falling back to cpu when the chosen backend cannot run conv gradients. */
export async function setupBackend(): Promise<string> {
  await initBackend();
  if (!tf.getKernel('Conv2DBackpropFilter', tf.getBackend())) await tf.setBackend('cpu');
  return tf.getBackend();
}

/** Raw bytes of a tensor's values (for bit comparisons). */
export function bytesOf(t: tf.Tensor): Uint8Array {
  const d = t.dataSync();
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

/** Whether two tensors hold byte-identical values. */
export function sameBytes(a: tf.Tensor, b: tf.Tensor): boolean {
  return Buffer.compare(Buffer.from(bytesOf(a)), Buffer.from(bytesOf(b))) === 0;
}

/** Every weight of a model, copied (name → bytes). */
export function snapshot(model: tfl.LayersModel): Map<string, Uint8Array> {
  return new Map(model.weights.map((w) => [w.originalName, bytesOf(w.read())] as const));
}

/** A real MNIST slice as tensors: x [n,28,28,1] in [0,1], y one-hot [n,10]. */
export async function mnistTensors(count: number, seed = 7, split: 'train' | 'test' = 'train'): Promise<{ x: tf.Tensor4D; y: tf.Tensor2D; labels: Int32Array }> {
  const set = await loadMnist({ split, seed, limit: count });
  const x = tf.tensor4d(set.x as Float32Array, [set.count, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(set.labels, 'int32'), 10).toFloat() as tf.Tensor2D;
  return { x, y, labels: set.labels };
}

const init = (seed: number) => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed }) });

/** A small sequential CNN with BatchNorm: conv2d, batch_normalization, max_pooling2d, flatten, dense, dense. */
export function mnistCnn(seed = 1, options: { name?: string } = {}): tfl.Sequential {
  return tfl.sequential({
    ...(options.name ? { name: options.name } : {}),
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 5, strides: 2, activation: 'relu', ...init(seed) }),
      tfl.layers.batchNormalization(),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 16, activation: 'relu', ...init(seed + 1) }),
      tfl.layers.dense({ units: 10, activation: 'softmax', ...init(seed + 2) }),
    ],
  });
}

/** The same CNN through the functional API (tf.model), with a named head `logits`. */
export function functionalCnn(seed = 1, classes = 10): tfl.LayersModel {
  const input = tfl.input({ shape: [28, 28, 1] });
  let h = tfl.layers.conv2d({ filters: 4, kernelSize: 5, strides: 2, activation: 'relu', ...init(seed) }).apply(input) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization().apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.flatten().apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.dense({ units: 16, activation: 'relu', ...init(seed + 1) }).apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: classes, activation: 'softmax', name: 'logits', ...init(seed + 2) }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** A BANKING77 slice (first `classes` intents) as padded token ids and one-hot labels. */
export async function bankingTensors(count: number, classes = 5, maxLength = 12): Promise<{ x: tf.Tensor2D; y: tf.Tensor2D; vocabSize: number }> {
  const all = await loadBanking77({ split: 'train', seed: 3 });
  const categories = all.classNames.slice(0, classes);
  const data = await loadBanking77({ split: 'train', seed: 3, categories, limit: count });
  const vocab = Vocabulary.build(data.texts, { maxSize: 300 });
  const set = textExampleSet(data, vocab, maxLength);
  const x = tf.tensor2d(set.x as Int32Array, [set.count, maxLength], 'int32').toFloat() as tf.Tensor2D;
  const y = tf.oneHot(tf.tensor1d(set.labels, 'int32'), classes).toFloat() as tf.Tensor2D;
  return { x, y, vocabSize: vocab.size };
}

/** Embedding + LSTM + Dense text classifier (sequential). */
export function textLstm(vocabSize: number, classes = 5, seed = 11, maxLength = 12, options: { hidden?: number } = {}): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.embedding({ inputDim: vocabSize, outputDim: 8, inputLength: maxLength, embeddingsInitializer: tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }),
      tfl.layers.lstm({ units: 8, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }), recurrentInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) }),
      ...(options.hidden ? [tfl.layers.dense({ units: options.hidden, activation: 'relu', ...init(seed + 4) })] : []),
      tfl.layers.dense({ units: classes, activation: 'softmax', ...init(seed + 3) }),
    ],
  });
}

/**
 * A tfjs IOHandler reading a `model.json` and its weight files from disk (tfjs-node, which has
 * `file://`, is not installed): what `tf.loadLayersModel(fileHandler(path))` needs.
 */
export function fileHandler(modelJson: string): tf.io.IOHandler {
  return {
    load: async () => {
      const { readFile } = await import('node:fs/promises');
      const { dirname, join } = await import('node:path');
      const json = JSON.parse(await readFile(modelJson, 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
      const buffers: Uint8Array[] = [];
      for (const g of json.weightsManifest) for (const p of g.paths) buffers.push(await readFile(join(dirname(modelJson), p)));
      const all = Buffer.concat(buffers);
      return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) };
    },
  };
}
