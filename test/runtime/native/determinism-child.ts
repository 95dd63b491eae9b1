// Child process of determinism.test.ts: on the default backend (initBackend: wasm + JS pack +
// native kernels) it runs the conv filter gradient that was seen to differ between processes
// (3x3, 8→16 channels, stride 2, SAME, x [8,14,14,8]) and 4 SGD steps of a small CNN on fixed
// seeded data, then prints SHA-256 digests of the result bytes as one JSON line. With argument
// `switch` it also sets GRAFT_NATIVE_CONV_LAYOUT=nhwc after the first filter gradient and runs the
// same shape again, to check that a primitive cached under one layout is not reused under another.
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/runtime/backend.js';
import { randn } from './helpers.js';

const info = await initBackend();
const native = info.kernels === 'native' && (info.nativeKernels ?? []).includes('Conv2DBackpropFilter');

function digest(...ts: tf.Tensor[]): string {
  const h = createHash('sha256');
  for (const t of ts) {
    const d = t.dataSync();
    h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex');
}

const X: [number, number, number, number] = [8, 14, 14, 8];
const F: [number, number, number, number] = [3, 3, 8, 16];
const DY: [number, number, number, number] = [8, 7, 7, 16];
const xData = randn(tf.util.sizeFromShape(X), 1);
const dyData = randn(tf.util.sizeFromShape(DY), 2);

function filterGrad(): string {
  return tf.tidy(() => {
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xData, X), dy: tf.tensor4d(dyData, DY) },
      { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: F } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return digest(dw);
  });
}

function train(): string {
  const x = tf.tensor4d(randn(16 * 28 * 28, 3), [16, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 16 }, (_, i) => (i * 7) % 10), 'int32'), 10);
  const vars = [
    tf.variable(tf.tensor4d(randn(5 * 5 * 8, 4, 0.3), [5, 5, 1, 8])),
    tf.variable(tf.zeros([8])),
    tf.variable(tf.tensor4d(randn(3 * 3 * 8 * 16, 5, 0.2), [3, 3, 8, 16])),
    tf.variable(tf.zeros([16])),
    tf.variable(tf.tensor2d(randn(7 * 7 * 16 * 10, 6, 0.05), [7 * 7 * 16, 10])),
  ];
  const [c1, b1, c2, b2, fc] = vars as [tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R2>];
  for (let step = 0; step < 4; step++) {
    const { grads } = tf.variableGrads(() => {
      const h1 = tf.relu(tf.add(tf.conv2d(x, c1, 2, 'same'), b1)) as tf.Tensor4D; // [16,14,14,8]
      const h2 = tf.relu(tf.add(tf.conv2d(h1, c2, 2, 'same'), b2)); // [16,7,7,16]
      return tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.reshape(h2, [16, 7 * 7 * 16]), fc)) as tf.Scalar;
    }, vars);
    tf.tidy(() => {
      for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.1)));
    });
    tf.dispose(Object.values(grads));
  }
  return digest(...vars);
}

const out: Record<string, unknown> = { native, backend: tf.getBackend(), kernels: info.kernels };
out.filter = filterGrad();
out.train = train();
if (process.argv[2] === 'switch') {
  process.env.GRAFT_NATIVE_CONV_LAYOUT = 'nhwc';
  out.filterAfterSwitch = filterGrad();
}
process.stdout.write(JSON.stringify(out) + '\n');
