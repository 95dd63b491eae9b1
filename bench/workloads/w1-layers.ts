/**
 * W1 (docs/design/ENGINE-STUDY.md §1, bench/workloads/w1-cnn.ts) as a TF.js user writes it: a
 * `tf.sequential` of tfjs-layers — conv2d 5x5x32 SAME relu, max_pooling2d, conv2d 5x5x64 SAME
 * relu, max_pooling2d, flatten, dense 1024 relu, dense 10 softmax — compiled with Adam and
 * categorical cross-entropy, the usual tfjs way (3.27 M parameters, the same shapes as the
 * hand-written graph and the PyTorch peer's `W1`). Seeded Glorot initialisers.
 */
import * as tfl from '@tensorflow/tfjs-layers';

/** The reference MNIST CNN as a tf.LayersModel (not compiled). */
export function createW1Layers(seed = 1): tfl.Sequential {
  const glorot = (s: number) => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + s }) });
  return tfl.sequential({
    name: 'w1',
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 5, padding: 'same', activation: 'relu', ...glorot(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu', ...glorot(2) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 1024, activation: 'relu', ...glorot(3) }),
      tfl.layers.dense({ units: 10, activation: 'softmax', ...glorot(4) }),
    ],
  });
}
