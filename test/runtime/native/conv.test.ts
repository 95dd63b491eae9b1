// Native Conv2D / FusedConv2D / Conv2DBackpropInput / Conv2DBackpropFilter against the cpu backend.
// Bound: max |native - cpu| / (1 + |cpu|) <= 1e-4 (sums of up to 5*5*8 = 200 products of N(0,1)
// values in float32; observed ~1e-6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { errors, on, randn, skipReason } from './helpers.js';

const REL = 1e-4;

interface Case {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
  dilations: [number, number];
}

const CASES: Case[] = [
  { name: 'W1 conv1 shape (5x5 SAME, C=1)', x: [2, 12, 12, 1], f: [5, 5, 1, 8], strides: [1, 1], pad: 'same', dilations: [1, 1] },
  { name: '5x5 SAME 8->16', x: [3, 9, 9, 8], f: [5, 5, 8, 16], strides: [1, 1], pad: 'same', dilations: [1, 1] },
  { name: '3x3 VALID stride 2', x: [2, 11, 11, 3], f: [3, 3, 3, 5], strides: [2, 2], pad: 'valid', dilations: [1, 1] },
  { name: '3x3 SAME stride 2 on even size (asymmetric pad)', x: [2, 10, 8, 4], f: [3, 3, 4, 6], strides: [2, 2], pad: 'same', dilations: [1, 1] },
  { name: '2x4 VALID stride (1,3)', x: [1, 7, 13, 2], f: [2, 4, 2, 3], strides: [1, 3], pad: 'valid', dilations: [1, 1] },
];

test('native Conv2D forward matches cpu (incl. dilation 2)', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const cases: Case[] = [...CASES, { name: '3x3 SAME dilation 2', x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: [1, 1], pad: 'same', dilations: [2, 2] }];
  for (const [i, c] of cases.entries()) {
    const xd = randn(tf.util.sizeFromShape(c.x), 10 + i), fd = randn(tf.util.sizeFromShape(c.f), 20 + i);
    const run = () => tf.conv2d(tf.tensor4d(xd, c.x), tf.tensor4d(fd, c.f), c.strides, c.pad, 'NHWC', c.dilations);
    const [native] = await on('wasm', run);
    const [ref] = await on('cpu', run);
    const e = errors(native!, ref!);
    assert.ok(e.rel <= REL, `${c.name}: rel error ${e.rel} (abs ${e.abs}) > ${REL}`);
  }
});

test('native Conv2DBackpropInput and Conv2DBackpropFilter match cpu', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  for (const [i, c] of CASES.entries()) {
    const outShape = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad).outShape;
    const xd = randn(tf.util.sizeFromShape(c.x), 30 + i), fd = randn(tf.util.sizeFromShape(c.f), 40 + i);
    const dyd = randn(tf.util.sizeFromShape(outShape), 50 + i);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
    const run = () => {
      const x = tf.tensor4d(xd, c.x), f = tf.tensor4d(fd, c.f), dy = tf.tensor(dyd, outShape);
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: c.f } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return [dx, dw];
    };
    const native = await on('wasm', run);
    const ref = await on('cpu', run);
    const ex = errors(native[0]!, ref[0]!), ew = errors(native[1]!, ref[1]!);
    assert.ok(ex.rel <= REL, `${c.name}: backprop-input rel error ${ex.rel} (abs ${ex.abs}) > ${REL}`);
    assert.ok(ew.rel <= REL, `${c.name}: backprop-filter rel error ${ew.rel} (abs ${ew.abs}) > ${REL}`);
  }
});

test('native FusedConv2D (bias + relu / relu6) and its gradients match cpu', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const c = CASES[1]!;
  const xd = randn(tf.util.sizeFromShape(c.x), 60), fd = randn(tf.util.sizeFromShape(c.f), 61), bd = randn(c.f[3], 62);
  for (const activation of ['relu', 'relu6', 'linear'] as const) {
    const run = () => {
      const x = tf.tensor4d(xd, c.x), f = tf.tensor4d(fd, c.f), b = tf.tensor1d(bd);
      const y = tf.fused.conv2d({ x, filter: f, bias: b, strides: c.strides, pad: c.pad, activation });
      const g = tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
        tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, bias: bb, strides: c.strides, pad: c.pad, activation }).square().sum());
      return [y, ...g([x, f, b])];
    };
    const native = await on('wasm', run);
    const ref = await on('cpu', run);
    for (const [k, what] of ['y', 'dx', 'dfilter', 'dbias'].entries()) {
      const e = errors(native[k]!, ref[k]!);
      // gradients sum squares of outputs (values up to ~40): compare relative to the magnitude
      assert.ok(e.rel <= (k === 0 ? REL : 1e-3), `${activation} ${what}: rel error ${e.rel} (abs ${e.abs})`);
    }
  }
});

test('plain-NHWC and auto-tuned conv primitives (GRAFT_NATIVE_CONV_LAYOUT) match cpu too', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  // the variable is read when a shape's primitives are first built, so each mode gets new shapes
  for (const [mode, xs] of [['nhwc', [2, 7, 7, 3]], ['auto', [2, 6, 9, 3]]] as const) {
    process.env.GRAFT_NATIVE_CONV_LAYOUT = mode;
    try {
      const x: [number, number, number, number] = [...xs];
      const f: [number, number, number, number] = [3, 3, 3, 4];
      const outShape = tf.backend_util.computeConv2DInfo(x, f, 1, 1, 'same').outShape;
      const xd = randn(tf.util.sizeFromShape(x), 70), fd = randn(tf.util.sizeFromShape(f), 71), dyd = randn(tf.util.sizeFromShape(outShape), 72);
      const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC' };
      const run = () => {
        const xt = tf.tensor4d(xd, x), ft = tf.tensor4d(fd, f), dy = tf.tensor(dyd, outShape);
        return [tf.conv2d(xt, ft, 1, 'same'),
          tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: ft }, { ...attrs, inputShape: x } as unknown as tf.NamedAttrMap) as tf.Tensor,
          tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy }, { ...attrs, filterShape: f } as unknown as tf.NamedAttrMap) as tf.Tensor];
      };
      const native = await on('wasm', run);
      const ref = await on('cpu', run);
      for (let i = 0; i < 3; i++) {
        const e = errors(native[i]!, ref[i]!);
        assert.ok(e.rel <= REL, `${mode} output ${i}: rel error ${e.rel} (abs ${e.abs})`);
      }
    } finally {
      delete process.env.GRAFT_NATIVE_CONV_LAYOUT;
    }
  }
});
