/**
 * W1, the reference MNIST CNN of docs/design/ENGINE-STUDY.md §1, in plain TF.js ops: conv5x5x32 SAME + relu +
 * maxpool2, conv5x5x64 SAME + relu + maxpool2, dense 1024 relu, dense 10, softmax cross-entropy.
 * 3.27 M parameters, TF1 layouts (HWIO filters, [in, out] dense kernels), scoped names as a
 * tf.layers-free Graft model would have them. The same shapes as bench/peers/torch_train.py `W1`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { glorot, labels, normal } from './random.js';

/** A workload: its parameters (scoped name → variable), its loss, and a batch to train on. */
export interface Workload {
  name: string;
  params: Array<{ name: string; variable: tf.Variable }>;
  batchSize: number;
  /** The scalar training loss on the stored batch (call inside a gradient scope). */
  loss(): tf.Scalar;
  /** Free the variables and the batch. */
  dispose(): void;
}

/** Options of {@link createW1}. */
export interface W1Options {
  /** Default 64. */
  batchSize?: number;
  /** Use tf.fused.conv2d / tf.fused.matMul (bias + relu in the kernel); default true. */
  fused?: boolean;
  /** Seed of initial values and data; default 1. */
  seed?: number;
}

/** Build W1 with seeded initial values and one random batch (as the PyTorch peer does). */
export function createW1(options: W1Options = {}): Workload {
  const B = options.batchSize ?? 64;
  const seed = options.seed ?? 1;
  const fused = options.fused ?? true;
  const v = (name: string, t: tf.Tensor) => ({ name, variable: tf.variable(t, true, `w1/${name}#${seed}`) });
  const params = tf.tidy(() => [
    v('conv1/weights', glorot([5, 5, 1, 32], seed + 1)), v('conv1/biases', tf.zeros([32])),
    v('conv2/weights', glorot([5, 5, 32, 64], seed + 2)), v('conv2/biases', tf.zeros([64])),
    v('fc1/weights', glorot([7 * 7 * 64, 1024], seed + 3)), v('fc1/biases', tf.zeros([1024])),
    v('fc2/weights', glorot([1024, 10], seed + 4)), v('fc2/biases', tf.zeros([10])),
  ]);
  const [c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b] = params.map((p) => p.variable) as tf.Variable[];
  const x = normal([B, 28, 28, 1], seed + 5) as tf.Tensor4D;
  const y = labels([B], 10, seed + 6);
  const onehot = tf.oneHot(y as tf.Tensor1D, 10);
  y.dispose();
  const conv = (input: tf.Tensor4D, w: tf.Variable, b: tf.Variable): tf.Tensor4D => fused
    ? tf.fused.conv2d({ x: input, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }) as tf.Tensor4D
    : tf.relu(tf.add(tf.conv2d(input, w as tf.Tensor4D, 1, 'same'), b)) as tf.Tensor4D;
  const dense = (input: tf.Tensor2D, w: tf.Variable, b: tf.Variable, relu: boolean): tf.Tensor2D => fused
    ? tf.fused.matMul({ a: input, b: w as tf.Tensor2D, bias: b, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D
    : (relu ? tf.relu(tf.add(tf.matMul(input, w), b)) : tf.add(tf.matMul(input, w), b)) as tf.Tensor2D;
  return {
    name: 'w1-cnn',
    params,
    batchSize: B,
    loss: () => {
      const h1 = tf.maxPool(conv(x, c1w!, c1b!), 2, 2, 'valid');
      const h2 = tf.maxPool(conv(h1, c2w!, c2b!), 2, 2, 'valid');
      const f1 = dense(tf.reshape(h2, [B, 7 * 7 * 64]), f1w!, f1b!, true);
      const logits = dense(f1, f2w!, f2b!, false);
      return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
    },
    dispose: () => {
      for (const p of params) p.variable.dispose();
      x.dispose();
      onehot.dispose();
    },
  };
}
