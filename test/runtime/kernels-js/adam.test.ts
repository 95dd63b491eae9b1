// applyAdamJs against TF1 Adam written with TF.js ops on wasm (the TF.js path of train/'s
// AdamOptimizer): equal bit for bit over 3 steps, since both round to float32 after every op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/runtime/backend.js';
import { applyAdamJs } from '../../../src/runtime/kernels-js/index.js';

await initBackend({ backend: 'wasm' });

const f = Math.fround;

function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 * 2 - 1;
  });
}

interface Slot { variable: tf.Variable; m: tf.Variable; v: tf.Variable }

function make(shapes: number[][], seed: number): Slot[] {
  return shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    return { variable: tf.variable(tf.tensor(values(n, seed + i), s)), m: tf.variable(tf.zeros(s)), v: tf.variable(tf.zeros(s)) };
  });
}

test('applyAdamJs equals TF1 Adam composed from TF.js ops, bit for bit, over 3 steps', () => {
  const shapes = [[5, 5, 1, 32], [32], [300, 17], [1]];
  const js = make(shapes, 1), ops = make(shapes, 1);
  const lr = 0.001, beta1 = f(0.9), beta2 = f(0.999), epsilon = f(1e-8);
  let b1p = beta1, b2p = beta2;
  for (let step = 0; step < 3; step++) {
    const grads = shapes.map((s, i) => tf.tensor(values(s.reduce((a, b) => a * b, 1), 100 * step + i), s));
    assert.equal(applyAdamJs(js.map((x, i) => ({ ...x, grad: grads[i]! })), { lr, beta1, beta2, epsilon, beta1Power: b1p, beta2Power: b2p }), true);
    const alpha = tf.scalar(f(f(f(lr) * f(Math.sqrt(f(1 - b2p)))) / f(1 - b1p)));
    ops.forEach(({ variable, m, v }, i) => tf.tidy(() => {
      const g = grads[i]!;
      const m1 = tf.add(m, tf.mul(tf.sub(g, m), f(1 - beta1)));
      const v1 = tf.add(v, tf.mul(tf.sub(tf.square(g), v), f(1 - beta2)));
      m.assign(m1);
      v.assign(v1);
      variable.assign(tf.sub(variable, tf.div(tf.mul(m1, alpha), tf.add(tf.sqrt(v1), epsilon))));
    }));
    alpha.dispose();
    tf.dispose(grads);
    b1p = f(b1p * beta1);
    b2p = f(b2p * beta2);
  }
  js.forEach((x, i) => {
    for (const k of ['variable', 'm', 'v'] as const) {
      assert.deepEqual([...x[k].dataSync()], [...ops[i]![k].dataSync()], `${k} of variable ${i}`);
    }
  });
  assert.notDeepEqual([...js[2]!.variable.dataSync()], [...values(300 * 17, 3)], 'the update changed the variable');
});

test('applyAdamJs leaves a tensor that shares a variable\'s buffer unchanged', () => {
  const [x] = make([[4, 3]], 7);
  const alias = tf.reshape(x!.variable, [12]); // wasm reshape shares the variable's buffer
  const before = [...alias.dataSync()];
  const hyper = { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta1Power: 0.9, beta2Power: 0.999 };
  assert.equal(applyAdamJs([{ ...x!, grad: tf.ones([4, 3]) }], hyper), true);
  assert.deepEqual([...alias.dataSync()], before);
  assert.notDeepEqual([...x!.variable.dataSync()], before);
  alias.dispose();
});

test('applyAdamJs declines (false, nothing changed) for a size mismatch or the cpu backend', () => {
  const [x] = make([[4, 3]], 7);
  const before = [...x!.variable.dataSync()];
  const hyper = { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta1Power: 0.9, beta2Power: 0.999 };
  assert.equal(applyAdamJs([{ ...x!, grad: tf.ones([5]) }], hyper), false);
  assert.deepEqual([...x!.variable.dataSync()], before);
  tf.setBackend('cpu');
  try {
    assert.equal(applyAdamJs([{ ...x!, grad: tf.ones([4, 3]) }], hyper), false);
  } finally {
    tf.setBackend('wasm');
  }
});
