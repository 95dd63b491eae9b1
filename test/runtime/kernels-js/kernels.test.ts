// Each kernel of the JS pack, run on wasm, against tfjs-backend-cpu's kernel on the same inputs.
// Error bounds: max |wasm − cpu| ≤ REL × max |cpu| (REL stated per kernel); MaxPoolGrad and
// UnsortedSegmentSum pick/sum the same elements in the same order, so they are compared exactly
// (UnsortedSegmentSum within 1 ulp-ish: 1e-6 relative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorMap } from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/runtime/backend.js';
import { registerJsKernelPack, stockWasmKernel } from '../../../src/runtime/kernels-js/index.js';
import type { WasmBackend } from '../../../src/runtime/kernels-js/index.js';
import { InvalidArgumentError } from '../../../src/errors.js';
import { setIm2colLimit } from '../../../src/runtime/kernels-js/conv2d-backprop-filter.js';
import { aliasOf, dropAlias } from '../../../src/runtime/kernels-js/wasm-backend.js';

await initBackend({ backend: 'wasm' });

/** Seeded uniform values in [-1, 1), rounded to `step` when given (to make max-pool ties). */
function values(n: number, seed: number, step?: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = s / 4294967296 * 2 - 1;
    a[i] = step ? Math.round(v / step) * step : v;
  }
  return a;
}
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

interface Compared { maxAbs: number; refMax: number; shape: number[] }

/** Run kernel `name` on cpu then wasm with inputs built by `make` (fresh tensors per backend). */
function compare(name: string, make: () => NamedTensorMap, attrs: object): Compared {
  const out: Record<string, { data: Float32Array | Int32Array | Uint8Array; shape: number[] }> = {};
  try {
    for (const backend of ['cpu', 'wasm']) {
      tf.setBackend(backend);
      tf.tidy(() => {
        const r = tf.engine().runKernel(name, make(), attrs as NamedAttrMap) as tf.Tensor;
        out[backend] = { data: r.dataSync(), shape: r.shape };
      });
    }
  } finally {
    tf.setBackend('wasm');
  }
  const ref = out.cpu!, got = out.wasm!;
  assert.deepEqual(got.shape, ref.shape, `${name}: output shape`);
  let maxAbs = 0, refMax = 0;
  for (let i = 0; i < ref.data.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(ref.data[i]! - got.data[i]!));
    refMax = Math.max(refMax, Math.abs(ref.data[i]!));
  }
  return { maxAbs, refMax, shape: got.shape };
}

function within(c: Compared, rel: number, what: string): void {
  assert.ok(c.refMax > 0, `${what}: reference is all zeros, the test would prove nothing`);
  assert.ok(c.maxAbs <= rel * c.refMax, `${what}: max abs diff ${c.maxAbs} > ${rel} × ${c.refMax}`);
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
const CONV_CASES: Array<{ x: [number, number, number, number]; k: [number, number]; co: number; s: number | [number, number]; pad: Pad }> = [
  { x: [2, 9, 7, 3], k: [3, 3], co: 5, s: 1, pad: 'same' },
  { x: [2, 9, 7, 3], k: [3, 3], co: 5, s: 1, pad: 'valid' },
  { x: [3, 9, 8, 2], k: [3, 2], co: 4, s: 2, pad: 'same' },
  { x: [3, 9, 8, 2], k: [3, 3], co: 4, s: [2, 3], pad: 'valid' }, // remainder rows/cols the conv never reads
  { x: [2, 10, 10, 4], k: [5, 5], co: 6, s: 1, pad: [[0, 0], [1, 3], [2, 0], [0, 0]] },
  { x: [4, 14, 14, 8], k: [5, 5], co: 16, s: 1, pad: 'same' }, // the reference CNN's conv2, scaled down
  // one input channel (the reference CNN's conv1): im2col copies whole runs when the column stride is 1
  { x: [3, 12, 10, 1], k: [5, 5], co: 4, s: 1, pad: 'same' },
  { x: [3, 12, 10, 1], k: [5, 3], co: 4, s: [2, 1], pad: 'valid' },
  { x: [2, 9, 6, 1], k: [3, 3], co: 3, s: 1, pad: [[0, 0], [4, 1], [5, 2], [0, 0]] }, // whole rows/columns in padding
  { x: [2, 9, 8, 1], k: [3, 3], co: 3, s: [1, 2], pad: 'same' }, // column stride 2: gathered
];

test('registerJsKernelPack registers the missing kernels and the re-routes once, keeping stock kernels reachable', () => {
  const names = registerJsKernelPack();
  for (const n of ['Conv2DBackpropFilter', 'UnsortedSegmentSum', 'BatchMatMul', 'Conv2DBackpropInput', 'MaxPoolGrad']) {
    assert.ok(names.includes(n), `${n} registered`);
    assert.ok(tf.getKernel(n, 'wasm'), `${n} is registered for wasm`);
  }
  assert.deepEqual(registerJsKernelPack(), names, 'second call registers nothing new');
  assert.equal(typeof stockWasmKernel('BatchMatMul'), 'function');
  assert.equal(stockWasmKernel('Conv2DBackpropFilter'), undefined, 'wasm has no stock Conv2DBackpropFilter');
});

test('Conv2DBackpropFilter (composed conv, and im2col + matmul) matches cpu within 1e-5 of the largest value, strides and SAME/VALID/explicit padding', () => {
  for (const limit of [0, Number.MAX_SAFE_INTEGER]) { // 0: always the composed conv; max: always im2col
    const previous = setIm2colLimit(limit);
    try {
      for (const c of CONV_CASES) {
        const info = tf.backend_util.computeConv2DInfo(c.x, [...c.k, c.x[3], c.co], c.s, 1, c.pad);
        const r = compare('Conv2DBackpropFilter', () => ({
          x: tf.tensor(values(size(c.x), 1), c.x), dy: tf.tensor(values(size(info.outShape), 2), info.outShape),
        }), { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: [...c.k, c.x[3], c.co] });
        within(r, 1e-5, `Conv2DBackpropFilter im2col limit ${limit} ${JSON.stringify(c)}`);
      }
    } finally {
      setIm2colLimit(previous);
    }
  }
});

test('Conv2DBackpropFilter accepts NCHW (transposes into the same composition)', () => {
  const x: [number, number, number, number] = [2, 3, 8, 7];
  const info = tf.backend_util.computeConv2DInfo(x, [3, 3, 3, 4], 1, 1, 'same', undefined, false, 'channelsFirst');
  let wasm: Float32Array | undefined;
  tf.tidy(() => {
    const r = tf.engine().runKernel('Conv2DBackpropFilter', {
      x: tf.tensor(values(size(x), 3), x), dy: tf.tensor(values(size(info.outShape), 4), info.outShape),
    }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] }) as tf.Tensor;
    wasm = r.dataSync() as Float32Array;
  });
  // reference: the same data in NHWC on cpu
  tf.setBackend('cpu');
  const ref = tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropFilter', {
    x: tf.transpose(tf.tensor(values(size(x), 3), x), [0, 2, 3, 1]),
    dy: tf.transpose(tf.tensor(values(size(info.outShape), 4), info.outShape), [0, 2, 3, 1]),
  }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] }) as tf.Tensor).dataSync());
  tf.setBackend('wasm');
  let maxAbs = 0, refMax = 0;
  ref.forEach((v, i) => { maxAbs = Math.max(maxAbs, Math.abs(v - wasm![i]!)); refMax = Math.max(refMax, Math.abs(v)); });
  assert.ok(maxAbs <= 1e-5 * refMax, `NCHW max abs diff ${maxAbs}`);
});

test('Conv2DBackpropInput (re-routed for stride 1, stock otherwise) matches cpu within 1e-5 of the largest value', () => {
  for (const c of CONV_CASES) {
    const info = tf.backend_util.computeConv2DInfo(c.x, [...c.k, c.x[3], c.co], c.s, 1, c.pad);
    const r = compare('Conv2DBackpropInput', () => ({
      dy: tf.tensor(values(size(info.outShape), 5), info.outShape),
      filter: tf.tensor(values(c.k[0] * c.k[1] * c.x[3] * c.co, 6), [...c.k, c.x[3], c.co]),
    }), { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x });
    within(r, 1e-5, `Conv2DBackpropInput ${JSON.stringify(c)}`);
  }
});

test('BatchMatMul and _FusedMatMul with transposeA/transposeB match cpu within 1e-5 (rank 2, 3 and broadcast batch)', () => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[7, 5], [7, 6], true, false], [[5, 7], [6, 7], false, true], [[7, 5], [6, 7], true, true],
    [[3, 7, 5], [3, 6, 7], true, true], [[2, 3, 5, 7], [1, 1, 6, 7], false, true], [[4, 5, 7], [4, 7, 6], false, false],
    [[2, 16], [100, 16], false, true], [[16, 100], [16, 2], true, false], // computed as the transposed product
    [[1, 2, 16], [1, 100, 16], false, true], [[1, 16, 100], [1, 16, 2], true, false], // same, batch of one (as tf.matMul calls it)
    [[2, 16], [1, 100, 16], false, true], [[1, 1, 16, 100], [16, 2], true, false], // batch of one on one side only
    [[1, 4, 600], [1, 600, 500], false, false], [[3, 600], [600, 500], false, false], // large b: (bᵀ·aᵀ)ᵀ, b not packed
  ];
  for (const [as, bs, ta, tb] of cases) {
    const make = () => ({ a: tf.tensor(values(size(as), 7), as), b: tf.tensor(values(size(bs), 8), bs) });
    within(compare('BatchMatMul', make, { transposeA: ta, transposeB: tb }), 1e-5, `BatchMatMul ${as} ${bs} ${ta} ${tb}`);
  }
  // the _FusedMatMul kernel takes rank-3 operands (tf.fused.matMul reshapes before calling it)
  const fused = compare('_FusedMatMul', () => ({
    a: tf.tensor(values(35, 9), [1, 7, 5]), b: tf.tensor(values(42, 10), [1, 6, 7]), bias: tf.tensor(values(6, 11), [6]),
  }), { transposeA: true, transposeB: true, activation: 'relu', leakyreluAlpha: 0 });
  within(fused, 1e-5, '_FusedMatMul relu with bias');
});

test('BatchMatMul with a large right operand: the second product with the same b (stock, packed b kept) equals the first', () => {
  const a = tf.tensor(values(4 * 600, 31), [1, 4, 600]), b = tf.tensor(values(600 * 500, 32), [1, 600, 500]);
  const run = () => tf.tidy(() => (tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }) as tf.Tensor).dataSync());
  const first = run(), second = run();
  let maxAbs = 0, refMax = 0;
  for (let i = 0; i < first.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(first[i]! - second[i]!));
    refMax = Math.max(refMax, Math.abs(first[i]!));
  }
  assert.ok(refMax > 0 && maxAbs <= 1e-5 * refMax, `first vs second: ${maxAbs} of ${refMax}`);
  tf.dispose([a, b]);
});

test('Sum over leading axes (JS) and other reductions (stock) match cpu within 1e-6 of the largest value', () => {
  // Pack cases add halves pairwise in float32 (wasm Add) down to ≤ 64 or an odd number of rows,
  // then sum those in float64 (1e-6); stock cases sum float32 in another order than cpu (1e-5)
  const cases: Array<[number[], number | number[], boolean, number]> = [
    [[64, 14, 14, 8], [0, 1, 2], false, 1e-6], // the size of a real conv bias gradient
    [[8, 6, 5, 32], [0, 1, 2], false, 1e-6], // a conv bias gradient
    [[8, 6, 5, 32], [2, 0, 1], true, 1e-6], // same axes unsorted, keepDims
    [[300, 20], 0, false, 1e-6], [[300, 20], [-2], true, 1e-6], // a dense bias gradient, negative axis
    [[8, 6, 5, 32], [1, 2], false, 1e-5], [[300, 20], 1, false, 1e-5], [[300, 20], [0, 1], false, 1e-5], // stock
    [[4, 5], 0, false, 1e-5], // small: stock
  ];
  for (const [shape, axis, keepDims, rel] of cases) {
    const r = compare('Sum', () => ({ x: tf.tensor(values(size(shape), 16), shape) }), { axis, keepDims });
    within(r, rel, `Sum ${shape} axis ${axis} keepDims ${keepDims}`);
  }
  // all positive (sums grow with the row count): the pairwise float32 levels stay within 1e-6
  const big = [64, 28, 28, 4];
  const r = compare('Sum', () => ({ x: tf.tensor(values(size(big), 17).map((v) => v + 3), big) }), { axis: [0, 1, 2], keepDims: false });
  within(r, 1e-6, 'Sum of 50176 positive rows');
});

test('UnsortedSegmentSum matches cpu (duplicates summed, negative ids dropped, int32) and takes rank-2 ids', () => {
  const ids = [0, 3, 3, 1, -1, 0, 2, 2, 3, 0, 5, 5];
  within(compare('UnsortedSegmentSum', () => ({
    x: tf.tensor(values(12 * 4, 12), [12, 4]), segmentIds: tf.tensor(ids, [12], 'int32'),
  }), { numSegments: 7 }), 1e-6, 'UnsortedSegmentSum 1-D ids');
  // rank-2 ids (TF allows ids of any rank covering a prefix of x's axes; tfjs-cpu does not), checked
  // against the same data with flattened ids
  const [flat, nested] = tf.tidy(() => [
    (tf.engine().runKernel('UnsortedSegmentSum', { x: tf.tensor(values(24, 13), [12, 2]), segmentIds: tf.tensor(ids, [12], 'int32') }, { numSegments: 6 }) as tf.Tensor).arraySync(),
    (tf.engine().runKernel('UnsortedSegmentSum', { x: tf.tensor(values(24, 13), [3, 4, 2]), segmentIds: tf.tensor(ids, [3, 4], 'int32') }, { numSegments: 6 }) as tf.Tensor).arraySync(),
  ]);
  assert.deepEqual(nested, flat);
  const ints = compare('UnsortedSegmentSum', () => ({
    x: tf.tensor(ids.map((v) => v * 7), [12], 'int32'), segmentIds: tf.tensor(ids, [12], 'int32'),
  }), { numSegments: 6 });
  assert.equal(ints.maxAbs, 0);
});

test('UnsortedSegmentSum rejects a segment id ≥ numSegments with segment_id_out_of_range', () => {
  assert.throws(() => tf.tidy(() => tf.engine().runKernel('UnsortedSegmentSum', {
    x: tf.ones([3, 2]), segmentIds: tf.tensor([0, 4, 1], [3], 'int32'),
  }, { numSegments: 4 })), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'segment_id_out_of_range'
    && /segment id 4 at position 1 is not below numSegments 4/.test(e.message));
});

test('MaxPoolGrad (JS) equals cpu (exactly where windows do not overlap), with ties, overlapping windows, padding and the 2x2/2 fast path', () => {
  const cases: Array<{ x: [number, number, number, number]; f: number | [number, number]; s: number | [number, number]; pad: 'same' | 'valid' }> = [
    { x: [2, 8, 8, 5], f: 2, s: 2, pad: 'valid' }, // fast path
    { x: [3, 9, 7, 4], f: 2, s: 2, pad: 'valid' }, // remainder row/col: generic path
    { x: [2, 9, 7, 3], f: 3, s: 2, pad: 'same' },
    { x: [2, 9, 7, 3], f: 3, s: 1, pad: 'same' },
    { x: [2, 6, 9, 3], f: [2, 3], s: [1, 2], pad: 'valid' },
  ];
  for (const c of cases) {
    const info = tf.backend_util.computePool2DInfo(c.x, c.f, c.s, 1, c.pad);
    const r = compare('MaxPoolGrad', () => {
      const input = tf.tensor(values(size(c.x), 14, 0.25), c.x); // coarse values: many ties
      return { dy: tf.tensor(values(size(info.outShape), 15), info.outShape), input, output: tf.maxPool(input as tf.Tensor4D, c.f, c.s, c.pad) };
    }, { filterSize: c.f, strides: c.s, pad: c.pad });
    assert.ok(r.refMax > 0);
    // non-overlapping windows: each dx is one dy value, so exact; overlapping windows add several
    // dy values into one dx in another order than cpu: within 1e-6 of the largest value
    const overlapping = JSON.stringify(c.f) !== JSON.stringify(c.s);
    if (overlapping) within(r, 1e-6, `MaxPoolGrad ${JSON.stringify(c)}`);
    else assert.equal(r.maxAbs, 0, `MaxPoolGrad ${JSON.stringify(c)}`);
  }
});

test('the pack makes a conv + max-pool + embedding model trainable on wasm, with cpu gradients', () => {
  const grads: Record<string, Float32Array[]> = {};
  for (const backend of ['cpu', 'wasm']) {
    tf.setBackend(backend);
    grads[backend] = tf.tidy(() => {
      const x = tf.tensor(values(2 * 8 * 8 * 2, 20), [2, 8, 8, 2]);
      const ids = tf.tensor([1, 4, 4, 0], [2, 2], 'int32');
      const w = [tf.variable(tf.tensor(values(3 * 3 * 2 * 4, 21), [3, 3, 2, 4])), tf.variable(tf.tensor(values(5 * 3, 22), [5, 3])),
        tf.variable(tf.tensor(values(4 * 4 * 4 + 6, 23).slice(0, 64 + 6 - 6), [64, 1]))];
      const { grads: g } = tf.variableGrads(() => {
        const h = tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, w[0] as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
        const e = tf.gather(w[1]!, ids).sum();
        return tf.matMul(h.reshape([2, 64]), w[2]!).sum().add(e) as tf.Scalar;
      }, w);
      const out = w.map((v) => g[v.name]!.dataSync() as Float32Array);
      w.forEach((v) => v.dispose());
      return out;
    });
  }
  tf.setBackend('wasm');
  grads.cpu!.forEach((ref, k) => {
    let maxAbs = 0, refMax = 0;
    ref.forEach((v, i) => { maxAbs = Math.max(maxAbs, Math.abs(v - grads.wasm![k]![i]!)); refMax = Math.max(refMax, Math.abs(v)); });
    assert.ok(refMax > 0 && maxAbs <= 1e-5 * refMax, `gradient ${k}: ${maxAbs} vs ${refMax}`);
  });
});

test('the re-routes hand unsupported cases to the stock kernel (Conv2DBackpropInput stride 2 gives the stock result)', () => {
  const backend = tf.backend() as unknown as WasmBackend;
  const stock = stockWasmKernel('Conv2DBackpropInput')!;
  tf.tidy(() => {
    const dy = tf.tensor(values(2 * 5 * 4 * 4, 30), [2, 5, 4, 4]);
    const filter = tf.tensor(values(3 * 3 * 2 * 4, 31), [3, 3, 2, 4]);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 9, 8, 2] };
    const viaPack = (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs) as tf.Tensor).dataSync();
    const s = stock({ inputs: { dy, filter }, backend, attrs });
    const direct = (Array.isArray(s) ? s[0]! : s);
    assert.deepEqual([...viaPack], [...backend.typedArrayFromHeap(direct)]);
    backend.disposeData(direct.dataId);
  });
});

test('Identity shares the input buffer (one more reference) instead of copying; assign and dispose keep values right', () => {
  const backend = tf.backend() as unknown as WasmBackend;
  const before = tf.memory().numBytes;
  const x = tf.tensor(values(6000, 21), [60, 100]);
  const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
  const z = x.clone();
  assert.equal(backend.dataIdMap.get(y.dataId), backend.dataIdMap.get(x.dataId), 'same buffer record');
  assert.equal(backend.dataIdMap.get(x.dataId)!.refCount, 3, 'x, y and z hold it');
  const expected = values(6000, 21);
  x.dispose();
  assert.deepEqual(y.dataSync(), expected, 'y survives disposing x');
  y.dispose();
  assert.deepEqual(z.dataSync(), expected, 'z survives disposing x and y');
  z.dispose();
  assert.equal(tf.memory().numBytes, before, 'the buffer is freed with its last tensor');
  const v = tf.variable(tf.tensor(values(50, 22), [50]));
  const snapshot = v.clone();
  v.assign(tf.tidy(() => tf.mul(v, 2)));
  assert.deepEqual(snapshot.dataSync(), values(50, 22), 'a clone keeps the value the variable had before assign');
  assert.deepEqual(v.dataSync(), values(50, 22).map((a) => Math.fround(a * 2)), 'the variable has the new value');
  tf.dispose([v, snapshot]);
  const s = tf.tensor(['a', 'b']);
  const sc = s.clone();
  assert.deepEqual(sc.dataSync(), ['a', 'b'], 'strings (stock kernel)');
  tf.dispose([s, sc]);
});

test('aliasOf / dropAlias: an alias reads the same memory, and dropping it frees neither that memory nor the tensor', () => {
  const backend = tf.backend() as unknown as WasmBackend;
  const x = tf.tensor(values(4000, 41), [40, 100]);
  const before = tf.memory().numBytes;
  for (let i = 0; i < 50; i++) {
    const alias = aliasOf(backend, x, [1, 20, 200], 0);
    const half = aliasOf(backend, x, [20, 100], 2000);
    assert.deepEqual(Array.from(backend.typedArrayFromHeap(half) as Float32Array).slice(0, 3), Array.from(values(4000, 41).slice(2000, 2003)));
    // used as a matmul's right operand in a shape x does not have (wasm caches by id)
    const ones = tf.ones([1, 1, 20]);
    tf.tidy(() => (tf.engine().runKernel('BatchMatMul', { a: ones, b: alias as unknown as tf.Tensor }, { transposeA: false, transposeB: false }) as tf.Tensor).dataSync());
    ones.dispose();
    dropAlias(backend, alias);
    dropAlias(backend, half);
  }
  // new allocations must not land on x's memory
  const others = Array.from({ length: 20 }, (_, i) => tf.fill([4000], i));
  assert.deepEqual(x.dataSync(), values(4000, 41), 'x unchanged');
  tf.dispose(others);
  assert.equal(tf.memory().numBytes, before, 'aliases are not counted as tensors');
  x.dispose();
});
