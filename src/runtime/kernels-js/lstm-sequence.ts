/**
 * A whole TF1 BasicLSTMCell sequence as two wasm kernels in JS, so the TF.js tape records one node
 * per sequence instead of ~70 per time step (docs/design/ENGINE-STUDY.md §7: per-kernel dispatch, not math, is
 * what holds W2 back on wasm). Same kernel names and I/O contract as the native kernels
 * (runtime/ops/lstm-kernels.ts), which replace these when they load:
 *   GraftLstmSequence     {x [B,T,D], kernel [D+U,4U], bias [4U], h0 [B,U], c0 [B,U]}, {forgetBias}
 *                         → [outputs [B,T,U], h [B,U], c [B,U], gates [B,T,4U], cs [B,T,U]]
 *   GraftLstmSequenceGrad {x, kernel, h0, c0, out, gates, cs, dOut, dh, dc} → [dx, dKernel, dBias, dh0, dc0]
 * `gates` holds the activated gates (sigmoid i, tanh j, sigmoid(f + forgetBias), sigmoid o), `cs`
 * the cell states. Matmuls and sigmoids run as wasm kernels called directly (no engine; tanh is
 * 2·sigmoid(2x) − 1, since wasm's Tanh kernel is scalar); the per-element cell math runs in JS
 * loops over the wasm heap. The input projection and the weight
 * gradients are single matmuls over all steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { copyOf, disposeAll, run, view, wasmKernel } from './wasm-backend.js';
import type { WasmBackend } from './wasm-backend.js';

/** Forward kernel name (shared with the native kernels). */
export const LSTM_SEQUENCE = 'GraftLstmSequence';
/** Backward kernel name (shared with the native kernels). */
export const LSTM_SEQUENCE_GRAD = 'GraftLstmSequenceGrad';

type Args = { inputs: Record<string, TensorInfo>; backend: WasmBackend; attrs?: NamedAttrMap };

const f32 = (b: WasmBackend, t: TensorInfo) => b.typedArrayFromHeap(t) as Float32Array;

function forward({ inputs, backend: b, attrs }: Args): TensorInfo[] {
  const { x, kernel, bias, h0, c0 } = inputs as Record<string, TensorInfo>;
  const [B, T, D] = x!.shape as [number, number, number];
  const U = bias!.shape[0]! / 4;
  const G = 4 * U;
  const forgetBias = Number(attrs?.forgetBias ?? 1);
  const matMul = wasmKernel('BatchMatMul'), sigmoid = wasmKernel('Sigmoid');
  const wx = run(wasmKernel('Slice'), b, { x: kernel! }, { begin: [0, 0], size: [D, G] });
  const wh = run(wasmKernel('Slice'), b, { x: kernel! }, { begin: [D, 0], size: [U, G] });
  // P = X @ Wx for all steps at once, rows in (b, t) order
  const proj = run(matMul, b, { a: view(x!, [B * T, D]), b: wx }, { transposeA: false, transposeB: false });
  disposeAll(b, wx);
  const out = b.makeOutput([B, T, U], 'float32');
  const hT = b.makeOutput([B, U], 'float32');
  const cT = b.makeOutput([B, U], 'float32');
  const gates = b.makeOutput([B, T, G], 'float32');
  const cs = b.makeOutput([B, T, U], 'float32');
  let h = copyOf(b, h0!);
  const c = copyOf(b, c0!);
  const c2 = b.makeOutput([B, U], 'float32'); // 2c, whose sigmoid gives tanh(c)
  for (let t = 0; t < T; t++) {
    const pre = run(matMul, b, { a: h, b: wh }, { transposeA: false, transposeB: false }); // [B, G]
    {
      // pre-activations; wasm's Tanh is scalar and slow, its Sigmoid vectorised, so the j block
      // is doubled here and tanh(j) = 2·sigmoid(2j) − 1 below (one Sigmoid call for all gates)
      const m = f32(b, pre), p = f32(b, proj), bi = f32(b, bias!);
      for (let r = 0; r < B; r++) {
        const mo = r * G, po = (r * T + t) * G;
        for (let k = 0; k < U; k++) m[mo + k] += p[po + k] + bi[k];
        for (let k = U; k < 2 * U; k++) m[mo + k] = 2 * (m[mo + k] + p[po + k] + bi[k]);
        for (let k = 2 * U; k < 3 * U; k++) m[mo + k] += p[po + k] + bi[k] + forgetBias;
        for (let k = 3 * U; k < G; k++) m[mo + k] += p[po + k] + bi[k];
      }
    }
    const s = run(sigmoid, b, { x: pre });
    {
      const sv = f32(b, s), cv = f32(b, c), c2v = f32(b, c2), gv = f32(b, gates), csv = f32(b, cs);
      for (let r = 0; r < B; r++) {
        const go = r * G, so = (r * T + t) * G, co = (r * T + t) * U;
        for (let u = 0; u < U; u++) {
          const i = sv[go + u], j = 2 * sv[go + U + u] - 1, f = sv[go + 2 * U + u], o = sv[go + 3 * U + u];
          const cn = cv[r * U + u] * f + i * j;
          cv[r * U + u] = cn;
          c2v[r * U + u] = 2 * cn;
          csv[co + u] = cn;
          gv[so + u] = i; gv[so + U + u] = j; gv[so + 2 * U + u] = f; gv[so + 3 * U + u] = o;
        }
      }
    }
    disposeAll(b, pre, s);
    const sc = run(sigmoid, b, { x: c2 });
    const hn = b.makeOutput([B, U], 'float32');
    {
      const scv = f32(b, sc), gv = f32(b, gates), hv = f32(b, hn), ov = f32(b, out);
      for (let r = 0; r < B; r++) {
        const so = (r * T + t) * G + 3 * U, oo = (r * T + t) * U;
        for (let u = 0; u < U; u++) {
          const v = (2 * scv[r * U + u] - 1) * gv[so + u]; // tanh(c)·o
          hv[r * U + u] = v;
          ov[oo + u] = v;
        }
      }
    }
    disposeAll(b, sc, h);
    h = hn;
  }
  disposeAll(b, c2);
  f32(b, hT).set(f32(b, h));
  f32(b, cT).set(f32(b, c));
  disposeAll(b, h, c, proj);
  return [out, hT, cT, gates, cs];
}

function backward({ inputs, backend: b }: Args): TensorInfo[] {
  const { x, kernel, h0, c0, out, gates, cs, dOut, dh, dc } = inputs as Record<string, TensorInfo>;
  const [B, T, D] = x!.shape as [number, number, number];
  const G = kernel!.shape[1]!;
  const U = G / 4;
  const matMul = wasmKernel('BatchMatMul'), transpose = wasmKernel('Transpose');
  const wh = run(wasmKernel('Slice'), b, { x: kernel! }, { begin: [D, 0], size: [U, G] });
  const whT = run(transpose, b, { x: wh }, { perm: [1, 0] }); // [G, U]
  disposeAll(b, wh);
  // tanh of every cell state as 2·sigmoid(2c) − 1 (one vectorised Sigmoid call; see forward)
  const twoC = b.makeOutput([B, T, U], 'float32');
  {
    const src = f32(b, cs!), dst = f32(b, twoC);
    for (let k = 0; k < dst.length; k++) dst[k] = 2 * src[k];
  }
  const sigC = run(wasmKernel('Sigmoid'), b, { x: twoC });
  disposeAll(b, twoC);
  const dG = b.makeOutput([B, T, G], 'float32');
  const dc0 = b.makeOutput([B, U], 'float32');
  const dcNext = new Float32Array(B * U);
  dcNext.set(f32(b, dc!));
  const dBias = b.makeOutput([G], 'float32');
  const dBiasAcc = new Float64Array(G); // summed in the step loop: no reduction kernel afterwards
  let dhNext = copyOf(b, dh!);
  const dGt = b.makeOutput([B, G], 'float32');
  for (let t = T - 1; t >= 0; t--) {
    {
      const gv = f32(b, gates!), csv = f32(b, cs!), scv = f32(b, sigC), dov = f32(b, dOut!), dhv = f32(b, dhNext);
      const dgv = f32(b, dG), dgt = f32(b, dGt), c0v = f32(b, c0!);
      for (let r = 0; r < B; r++) {
        const so = (r * T + t) * G, co = (r * T + t) * U, po = (r * T + t - 1) * U, to = r * G;
        for (let u = 0; u < U; u++) {
          const i = gv[so + u], j = gv[so + U + u], f = gv[so + 2 * U + u], o = gv[so + 3 * U + u];
          const tc = 2 * scv[co + u] - 1;
          const cPrev = t > 0 ? csv[po + u] : c0v[r * U + u];
          const dH = dhv[r * U + u] + dov[co + u];
          const dC = dcNext[r * U + u] + dH * o * (1 - tc * tc);
          const di = dC * j * i * (1 - i);
          const dj = dC * i * (1 - j * j);
          const df = dC * cPrev * f * (1 - f);
          const dO = dH * tc * o * (1 - o);
          dcNext[r * U + u] = dC * f;
          dgv[so + u] = di; dgv[so + U + u] = dj; dgv[so + 2 * U + u] = df; dgv[so + 3 * U + u] = dO;
          dgt[to + u] = di; dgt[to + U + u] = dj; dgt[to + 2 * U + u] = df; dgt[to + 3 * U + u] = dO;
          dBiasAcc[u] += di; dBiasAcc[U + u] += dj; dBiasAcc[2 * U + u] += df; dBiasAcc[3 * U + u] += dO;
        }
      }
    }
    const next = run(matMul, b, { a: dGt, b: whT }, { transposeA: false, transposeB: false }); // [B, U]
    disposeAll(b, dhNext);
    dhNext = next;
  }
  disposeAll(b, dGt, whT, sigC);
  f32(b, dc0).set(dcNext);
  f32(b, dBias).set(dBiasAcc);
  // [x_t, h_{t-1}] for every step, transposed: [D+U, B*T] with columns in (b, t) order, so
  // dKernel = XH^T @ dG is one plain matmul (rows x then h, as the kernel stores them)
  const xhT = b.makeOutput([D + U, B * T], 'float32');
  {
    const dst = f32(b, xhT), xv = f32(b, x!), ov = f32(b, out!), h0v = f32(b, h0!);
    const N = B * T;
    for (let r = 0; r < B; r++) {
      for (let t = 0; t < T; t++) {
        const col = r * T + t, xo = col * D;
        for (let d = 0; d < D; d++) dst[d * N + col] = xv[xo + d];
        const ho = t > 0 ? (r * T + t - 1) * U : -1;
        for (let u = 0; u < U; u++) dst[(D + u) * N + col] = ho >= 0 ? ov[ho + u] : h0v[r * U + u];
      }
    }
  }
  const dGflat = view(dG, [B * T, G]);
  const dKernel = run(matMul, b, { a: xhT, b: dGflat }, { transposeA: false, transposeB: false });
  const wx = run(wasmKernel('Slice'), b, { x: kernel! }, { begin: [0, 0], size: [D, G] });
  const dx = run(matMul, b, { a: dGflat, b: wx }, { transposeA: false, transposeB: true }); // [B*T, D]
  dx.shape = [B, T, D]; // rows are already in (b, t) order
  disposeAll(b, xhT, wx, dG);
  return [dx, dKernel, dBias, dhNext, dc0];
}

/** The forward kernel's registration record for wasm. */
export const lstmSequenceConfig: KernelConfig = {
  kernelName: LSTM_SEQUENCE, backendName: 'wasm', kernelFunc: forward as unknown as KernelFunc,
};

/** The backward kernel's registration record for wasm. */
export const lstmSequenceGradConfig: KernelConfig = {
  kernelName: LSTM_SEQUENCE_GRAD, backendName: 'wasm', kernelFunc: backward as unknown as KernelFunc,
};

/**
 * The gradient of GraftLstmSequence: one GraftLstmSequenceGrad call for every input (the same
 * config the native kernels register; whichever pair of kernels is registered serves it).
 */
export const lstmSequenceGradient: GradConfig = {
  kernelName: LSTM_SEQUENCE,
  inputsToSave: ['x', 'kernel', 'h0', 'c0'],
  outputsToSave: [true, false, false, true, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const dys = dy as Tensor[];
    const [x, kernel, h0, c0, out, gates, cs] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const g = tf.engine().runKernel(LSTM_SEQUENCE_GRAD,
      { x, kernel, h0, c0, out, gates, cs, dOut: dys[0]!, dh: dys[1]!, dc: dys[2]! }, attrs) as Tensor[];
    return { x: () => g[0]!, kernel: () => g[1]!, bias: () => g[2]!, h0: () => g[3]!, c0: () => g[4]! };
  },
};
