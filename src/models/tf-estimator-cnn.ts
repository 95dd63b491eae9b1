/**
 * The TF1 Estimator MNIST CNN of test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam (tf.layers
 * conv2d → max_pooling2d → conv2d_1 → max_pooling2d → dense; provenance in
 * test/fixtures/MANIFEST.md) as a tfjs-layers model with the layer names tf.layers gave it, so a
 * restore plan matches its weights to TF's by name. Node-free: `graft demo tf-checkpoint` and the
 * browser example (examples/browser/) build the same model.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Width of the body's output (the flattened second pooling, 7·7·8): what the dense head reads. */
export const ESTIMATOR_CNN_FEATURES = 392;

/** The Estimator's network as a tfjs-layers model with the layer names tf.layers gave it. */
export function estimatorCnnLayersModel(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ name: 'conv2d', inputShape: [28, 28, 1], filters: 4, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }),
      tfl.layers.conv2d({ name: 'conv2d_1', filters: 8, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ name: 'dense', units: 10 }),
    ],
  });
}

/** Accuracy of `model` on `set` (argmax of its outputs vs the labels), in batches of 500. */
export function layersModelAccuracy(model: tfl.LayersModel, set: { x: Float32Array | Int32Array; labels: Int32Array; count: number }): number {
  let correct = 0;
  for (let s = 0; s < set.count; s += 500) {
    const n = Math.min(500, set.count - s);
    const pred = tf.tidy(() => (model.predict(tf.tensor4d(set.x.subarray(s * 784, (s + n) * 784), [n, 28, 28, 1])) as tf.Tensor).argMax(1).dataSync());
    for (let i = 0; i < n; i++) if (pred[i] === set.labels[s + i]) correct++;
  }
  return correct / set.count;
}
