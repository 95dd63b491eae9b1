/**
 * Layout rules: PyTorch / Hugging Face state-dict tensors → the names and layouts TF/Keras/tfjs
 * variables use. Rules are chosen per module (the key up to its last `.`), from its parameter
 * names and ranks — explicit and documented, never guessed from values:
 *
 *   module has running_mean (BatchNorm*d)   weight→gamma, bias→beta, running_mean→moving_mean,
 *                                           running_var→moving_variance, num_batches_tracked ignored
 *   weight 2-D (nn.Linear) [out,in]         → kernel [in,out] (transpose); bias → bias
 *   weight 3-D (nn.Conv1d) [O,I,k]          → kernel [k,I,O]
 *   weight 4-D (nn.Conv2d) OIHW             → kernel HWIO (Keras Conv2D, also Conv2DTranspose:
 *                                             torch [in,out,kh,kw] → Keras [kh,kw,out,in])
 *   module listed in `depthwise`            [C·m,1,kh,kw] → depthwise_kernel [kh,kw,C,m]
 *                                             (torch groups=C: output o = c·m + j)
 *   module listed in `embedding`            weight [n,d] → embeddings [n,d] (no transpose)
 *   weight_ih_l0 / weight_hh_l0 / bias_*    nn.LSTM → Keras LSTM: kernel = W_ih^T [in,4h],
 *                                             recurrent_kernel = W_hh^T [h,4h], bias = b_ih + b_hh;
 *                                             gate order kept (torch i,f,g,o = Keras i,f,c,o) —
 *                                             or, with lstm: 'tf1', TF1 LSTMCell/BasicLSTMCell:
 *                                             kernel [in+h,4h] = [W_ih^T; W_hh^T] with gates
 *                                             reordered to i,c,f,o and forgetBias subtracted from
 *                                             the f bias (the cell adds it back at run time)
 *   anything else                           same tensor, `.` → `/` (rule `identity`)
 *
 * Sources: PyTorch torch/nn/modules/rnn.py (LSTM weight_ih_l[k] = W_ii|W_if|W_ig|W_io), conv.py
 * (weight (out, in/groups, kH, kW)), linear.py (weight (out, in)); tfjs-layers
 * src/layers/recurrent.ts LSTMCell.call (split z into i, f, c, o), convolutional.ts (kernel
 * [kh,kw,in,out]), convolutional_depthwise.ts (depthwise kernel [kh,kw,in,multiplier]); TF
 * python/ops/rnn_cell_impl.py BasicLSTMCell/LSTMCell.call (i, j, f, o = split; forget_bias
 * added to f). Names: the module path with `.` → `/`, then the Keras weight name
 * (`features.0.weight` → `features/0/kernel`); map scopes to layer names with an assignment map.
 */
import { FormatError } from '../../errors.js';
import type { DType, TensorInfo } from '../types.js';

/** Options of the PyTorch layout rules. */
export interface LayoutOptions {
  layout: 'pytorch';
  /**
   * Depthwise convolutions (groups = in_channels): torch module path (e.g. `features.3`) → depth
   * multiplier m (out_channels / in_channels, usually 1). The tensor alone cannot tell C from m.
   */
  depthwise?: Readonly<Record<string, number>>;
  /** Modules whose 2-D weight is an nn.Embedding table (kept [n,d], named `embeddings`). */
  embedding?: readonly string[];
  /** LSTM target layout: Keras/tfjs `LSTM` (default) or TF1 `LSTMCell` (`tf1`). */
  lstm?: 'keras' | 'tf1';
  /** With lstm 'tf1': the cell's forget_bias (TF default 1.0), subtracted from the f-gate bias. */
  forgetBias?: number;
}

/** How one output tensor is made. */
export type LayoutOp =
  | { op: 'identity' }
  | { op: 'permute'; perm: number[] }
  | { op: 'depthwise' }
  | { op: 'lstm_keras_bias' }
  | { op: 'lstm_tf1_kernel'; hidden: number }
  | { op: 'lstm_tf1_bias'; hidden: number; forgetBias: number };

/** One output tensor of the layout: its name, the torch tensors it is made from, and how. */
export interface LayoutRule {
  name: string;
  dtype: DType;
  shape: number[];
  sources: string[];
  /** Short human rule (`dense [out,in]→[in,out]`), for reports. */
  rule: string;
  op: LayoutOp;
}

/** The rules for a whole checkpoint, plus the torch keys deliberately dropped. */
export interface LayoutPlan {
  rules: LayoutRule[];
  ignored: { name: string; reason: string }[];
}

const splitKey = (k: string): [string, string] => {
  const i = k.lastIndexOf('.');
  return i < 0 ? ['', k] : [k.slice(0, i), k.slice(i + 1)];
};
const tfName = (module: string, leaf: string) => (module === '' ? leaf : `${module.replace(/\./g, '/')}/${leaf}`);
const bad = (msg: string, hint: string): FormatError => new FormatError('layout_mismatch', msg, { hint });

/** Compute the layout rules for the tensors `infos` of a PyTorch state dict. */
export function planLayout(infos: readonly TensorInfo[], options: LayoutOptions): LayoutPlan {
  const byModule = new Map<string, Map<string, TensorInfo>>();
  for (const t of infos) {
    const [m, leaf] = splitKey(t.name);
    if (!byModule.has(m)) byModule.set(m, new Map());
    byModule.get(m)!.set(leaf, t);
  }
  const depthwise = new Map(Object.entries(options.depthwise ?? {}));
  const embedding = new Set(options.embedding ?? []);
  for (const m of [...depthwise.keys(), ...embedding]) {
    if (!byModule.get(m)?.has('weight')) throw bad(`layout option names module "${m}", which has no "${m}.weight" in the checkpoint`, 'give the torch module path as it appears in the state dict keys (before .weight)');
  }
  const plan: LayoutPlan = { rules: [], ignored: [] };
  const push = (r: LayoutRule) => plan.rules.push(r);
  for (const [m, params] of byModule) {
    const lstm = [...params.keys()].some((k) => /^weight_ih_l\d+(_reverse)?$/.test(k));
    const bn = params.has('running_mean') && params.has('running_var');
    const done = new Set<string>();
    if (bn) {
      const names: Record<string, string> = { weight: 'gamma', bias: 'beta', running_mean: 'moving_mean', running_var: 'moving_variance' };
      for (const [leaf, to] of Object.entries(names)) {
        const t = params.get(leaf);
        if (t) push({ name: tfName(m, to), dtype: t.dtype, shape: [...t.shape], sources: [t.name], rule: `batch norm ${leaf}→${to}`, op: { op: 'identity' } });
        done.add(leaf);
      }
      if (params.has('num_batches_tracked')) { plan.ignored.push({ name: params.get('num_batches_tracked')!.name, reason: 'batch norm step counter; Keras has none' }); done.add('num_batches_tracked'); }
    }
    if (lstm) lstmRules(m, params, options, push, done);
    for (const [leaf, t] of params) {
      if (done.has(leaf)) continue;
      const r = t.shape.length;
      if (leaf === 'weight' && depthwise.has(m)) {
        if (r !== 4 || t.shape[1] !== 1) throw bad(`${t.name} [${t.shape}] is not a depthwise weight [C·m,1,kh,kw]`, `remove "${m}" from the depthwise modules`);
        const [o, , kh, kw] = t.shape as [number, number, number, number];
        const mult = depthwise.get(m)!;
        if (!Number.isSafeInteger(mult) || mult < 1 || o % mult !== 0) throw bad(`${t.name} has ${o} output channels, not a multiple of depth multiplier ${mult}`, 'give out_channels / in_channels of that Conv2d as its depth multiplier');
        push({ name: tfName(m, 'depthwise_kernel'), dtype: t.dtype, shape: [kh, kw, o / mult, mult], sources: [t.name], rule: `depthwise [C·m,1,kh,kw]→[kh,kw,C,m] (m=${mult})`, op: { op: 'depthwise' } });
      } else if (leaf === 'weight' && embedding.has(m)) {
        push({ name: tfName(m, 'embeddings'), dtype: t.dtype, shape: [...t.shape], sources: [t.name], rule: 'embedding weight→embeddings', op: { op: 'identity' } });
      } else if (leaf === 'weight' && (r === 2 || r === 3 || r === 4)) {
        const perm = r === 2 ? [1, 0] : r === 3 ? [2, 1, 0] : [2, 3, 1, 0];
        const what = r === 2 ? 'dense [out,in]→[in,out]' : r === 3 ? 'conv1d [O,I,k]→[k,I,O]' : 'conv2d OIHW→HWIO';
        push({ name: tfName(m, 'kernel'), dtype: t.dtype, shape: perm.map((p) => t.shape[p]!), sources: [t.name], rule: what, op: { op: 'permute', perm } });
      } else {
        push({ name: tfName(m, leaf), dtype: t.dtype, shape: [...t.shape], sources: [t.name], rule: 'identity', op: { op: 'identity' } });
      }
    }
  }
  plan.rules.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const seen = new Set<string>();
  for (const r of plan.rules) {
    if (seen.has(r.name)) throw bad(`two torch tensors map to "${r.name}"`, 'rename one of them with an assignment map before applying the layout');
    seen.add(r.name);
  }
  return plan;
}

function lstmRules(m: string, params: Map<string, TensorInfo>, options: LayoutOptions, push: (r: LayoutRule) => void, done: Set<string>): void {
  const suffixes = [...params.keys()].map((k) => /^weight_ih(_l\d+(?:_reverse)?)$/.exec(k)?.[1]).filter((s): s is string => !!s);
  const single = suffixes.length === 1 && suffixes[0] === '_l0';
  for (const sfx of suffixes) {
    const wih = params.get(`weight_ih${sfx}`)!, whh = params.get(`weight_hh${sfx}`);
    const bih = params.get(`bias_ih${sfx}`), bhh = params.get(`bias_hh${sfx}`);
    if (!whh || wih.shape.length !== 2 || whh.shape.length !== 2 || whh.shape[0] !== 4 * whh.shape[1]! || wih.shape[0] !== whh.shape[0]) {
      throw bad(`${wih.name} [${wih.shape}] / weight_hh${sfx} are not the weights of an nn.LSTM (GRU and RNN are not mapped)`, 'restore this module without the layout (exclude it) and map it by hand');
    }
    const h = whh.shape[1]!, inp = wih.shape[1]!;
    const scope = single ? m : `${m}${m ? '.' : ''}${sfx.slice(1)}`;
    for (const k of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) done.add(`${k}${sfx}`);
    if ((options.lstm ?? 'keras') === 'keras') {
      push({ name: tfName(scope, 'kernel'), dtype: wih.dtype, shape: [inp, 4 * h], sources: [wih.name], rule: 'lstm W_ih [4h,in]→kernel [in,4h] (gates i,f,g,o = Keras i,f,c,o)', op: { op: 'permute', perm: [1, 0] } });
      push({ name: tfName(scope, 'recurrent_kernel'), dtype: whh.dtype, shape: [h, 4 * h], sources: [whh.name], rule: 'lstm W_hh [4h,h]→recurrent_kernel [h,4h]', op: { op: 'permute', perm: [1, 0] } });
      if (bih && bhh) push({ name: tfName(scope, 'bias'), dtype: bih.dtype, shape: [4 * h], sources: [bih.name, bhh.name], rule: 'lstm bias = b_ih + b_hh', op: { op: 'lstm_keras_bias' } });
    } else {
      push({ name: tfName(scope, 'kernel'), dtype: wih.dtype, shape: [inp + h, 4 * h], sources: [wih.name, whh.name], rule: 'lstm [W_ih;W_hh]^T→TF1 kernel [in+h,4h], gates i,f,g,o→i,c,f,o', op: { op: 'lstm_tf1_kernel', hidden: h } });
      if (bih && bhh) push({ name: tfName(scope, 'bias'), dtype: bih.dtype, shape: [4 * h], sources: [bih.name, bhh.name], rule: `lstm b_ih + b_hh, gates i,f,g,o→i,c,f,o, f − forget_bias ${options.forgetBias ?? 1}`, op: { op: 'lstm_tf1_bias', hidden: h, forgetBias: options.forgetBias ?? 1 } });
    }
  }
}
