/**
 * TF1 RNN cells with TF1's variable names and layouts (python/ops/rnn_cell_impl.py, TF ≥ 1.2
 * names `kernel`/`bias`; docs/design/TF-SEMANTICS.md §8.2):
 *
 * - BasicLSTMCell: scope `basic_lstm_cell`; `kernel` [in + u, 4u] (rows x then h), `bias` [4u]
 *   zeros; gates split i, j, f, o; `c' = c*σ(f + forget_bias) + σ(i)*tanh(j)`, `h' = tanh(c')*σ(o)`;
 *   forget_bias (default 1.0) is added at run time and never stored. State `[c, h]`.
 * - LSTMCell: scope `lstm_cell`; same kernel/bias; optional peepholes `w_f_diag`, `w_i_diag`,
 *   `w_o_diag` [u], `projection/kernel` [u, numProj] (then h has numProj columns), cell/proj clip.
 * - GRUCell: scope `gru_cell`; `gates/kernel` [in + u, 2u] (columns r then u), `gates/bias` init
 *   1.0, `candidate/kernel` [in + u, u], `candidate/bias` zeros; `h' = u*h + (1-u)*tanh([x, r*h]Wc + bc)`.
 * - MultiRNNCell: scope `multi_rnn_cell`, cell i under `cell_<i>/`.
 *
 * A cell is a TF1 Layer: its variable scope is fixed at its first call (a unique default-name
 * scope inside the current variable scope, or the plain name when built with `reuse`), and later
 * calls use the same variables.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ReuseMode } from '../graph-keys.js';
import { constantInitializer, zerosInitializer, type Initializer } from '../initializers.js';
import type { VariableStore } from '../store.js';
import { applyActivation, type Activation } from '../layers/common.js';

/** A cell's state: a flat list of `[batch, n]` tensors (LSTM: `[c, h]`; GRU: `[h]`; Multi: concatenated). */
export type CellState = tf.Tensor2D[];

/** Options shared by the cells. */
export interface CellOptions {
  /** Layer name; default the TF1 one (`basic_lstm_cell`, `lstm_cell`, `gru_cell`). */
  name?: string;
  /** TF1 `reuse`: use the plain name as scope and reuse its variables. */
  reuse?: ReuseMode;
  /** Activation of the candidate / cell output; default tanh. */
  activation?: Activation;
}

/** Base of the TF1 cells: scope capture at first build, then pure steps. */
export abstract class RnnCell {
  /** Units of each state tensor, in state order. */
  abstract readonly stateSize: number[];
  /** Width of the output. */
  abstract readonly outputSize: number;
  protected abstract readonly baseName: string;
  protected readonly options: CellOptions;
  private builtIn?: VariableStore;

  constructor(options: CellOptions = {}) {
    this.options = options;
  }

  /** Whether the variables exist (the cell has been called once). */
  get built(): boolean {
    return this.builtIn !== undefined;
  }

  /** Create the variables in the current variable scope of `store` (once; later calls are no-ops). */
  ensureBuilt(store: VariableStore, inputDepth: number): void {
    if (this.builtIn) return;
    const name = this.options.name ?? this.baseName;
    if (this.options.reuse) {
      store.variableScope(name, { reuse: this.options.reuse }, () => this.build(store, inputDepth));
    } else {
      store.variableScope(null, { defaultName: name }, () => this.build(store, inputDepth));
    }
    this.builtIn = store;
  }

  /** Zeros of the state shapes for a batch. */
  zeroState(batch: number): CellState {
    return this.stateSize.map((n) => tf.zeros([batch, n]) as tf.Tensor2D);
  }

  /** TF1 `cell(inputs, state)`: builds on first use, then one step → `[output, newState]`. */
  call(store: VariableStore, input: tf.Tensor2D, state: CellState): [tf.Tensor2D, CellState] {
    this.ensureBuilt(store, input.shape[1]);
    return this.step(input, state);
  }

  /** The step math on built variables. */
  abstract step(input: tf.Tensor2D, state: CellState): [tf.Tensor2D, CellState];

  protected abstract build(store: VariableStore, inputDepth: number): void;
}

/** TF1 `BasicLSTMCell(num_units, forget_bias=1.0)`. */
export class BasicLSTMCell extends RnnCell {
  readonly numUnits: number;
  readonly forgetBias: number;
  protected readonly baseName = 'basic_lstm_cell';
  kernel?: tf.Variable;
  bias?: tf.Variable;

  constructor(numUnits: number, options: CellOptions & { forgetBias?: number } = {}) {
    super(options);
    this.numUnits = numUnits;
    this.forgetBias = options.forgetBias ?? 1.0;
  }

  get stateSize(): number[] {
    return [this.numUnits, this.numUnits];
  }

  get outputSize(): number {
    return this.numUnits;
  }

  /** Whether the activation is TF1's default tanh (the fused sequence op assumes it). */
  get usesTanh(): boolean {
    return (this.options.activation ?? 'tanh') === 'tanh';
  }

  protected build(store: VariableStore, inputDepth: number): void {
    this.kernel = store.getVariable('kernel', { shape: [inputDepth + this.numUnits, 4 * this.numUnits] });
    this.bias = store.getVariable('bias', { shape: [4 * this.numUnits], initializer: zerosInitializer() });
  }

  step(input: tf.Tensor2D, state: CellState): [tf.Tensor2D, CellState] {
    const [c, h] = state;
    const act = this.options.activation ?? 'tanh';
    const gates = tf.add(tf.matMul(tf.concat([input, h], 1), this.kernel as tf.Tensor2D), this.bias as tf.Tensor1D);
    const [i, j, f, o] = tf.split(gates, 4, 1) as tf.Tensor2D[];
    const newC = tf.add(tf.mul(c, tf.sigmoid(tf.add(f, this.forgetBias))), tf.mul(tf.sigmoid(i), applyActivation(j, act))) as tf.Tensor2D;
    const newH = tf.mul(applyActivation(newC, act), tf.sigmoid(o)) as tf.Tensor2D;
    return [newH, [newC, newH]];
  }
}

/** Options of TF1 `LSTMCell`. */
export interface LSTMCellOptions extends CellOptions {
  usePeepholes?: boolean;
  cellClip?: number;
  numProj?: number;
  projClip?: number;
  /** Default 1.0. */
  forgetBias?: number;
  /** Kernel initializer; default the scope's (glorot uniform). */
  initializer?: Initializer;
}

/** TF1 `LSTMCell(num_units, use_peepholes, cell_clip, initializer, num_proj, proj_clip, forget_bias=1.0)`. */
export class LSTMCell extends RnnCell {
  readonly numUnits: number;
  protected readonly baseName = 'lstm_cell';
  private readonly o: LSTMCellOptions;
  private vars: Record<string, tf.Variable> = {};

  constructor(numUnits: number, options: LSTMCellOptions = {}) {
    super(options);
    this.numUnits = numUnits;
    this.o = options;
  }

  get stateSize(): number[] {
    return [this.numUnits, this.o.numProj ?? this.numUnits];
  }

  get outputSize(): number {
    return this.o.numProj ?? this.numUnits;
  }

  protected build(store: VariableStore, inputDepth: number): void {
    const u = this.numUnits;
    const h = this.o.numProj ?? u;
    this.vars.kernel = store.getVariable('kernel', { shape: [inputDepth + h, 4 * u], initializer: this.o.initializer });
    this.vars.bias = store.getVariable('bias', { shape: [4 * u], initializer: zerosInitializer() });
    if (this.o.usePeepholes) {
      for (const n of ['w_f_diag', 'w_i_diag', 'w_o_diag']) this.vars[n] = store.getVariable(n, { shape: [u], initializer: this.o.initializer });
    }
    if (this.o.numProj !== undefined) {
      this.vars.projection = store.getVariable('projection/kernel', { shape: [u, this.o.numProj], initializer: this.o.initializer });
    }
  }

  step(input: tf.Tensor2D, state: CellState): [tf.Tensor2D, CellState] {
    const [cPrev, mPrev] = state;
    const v = this.vars;
    const act = this.o.activation ?? 'tanh';
    const fb = this.o.forgetBias ?? 1.0;
    const lstm = tf.add(tf.matMul(tf.concat([input, mPrev], 1), v.kernel as tf.Tensor2D), v.bias);
    const [i, j, f, o] = tf.split(lstm, 4, 1) as tf.Tensor2D[];
    let c: tf.Tensor2D;
    if (this.o.usePeepholes) {
      c = tf.add(
        tf.mul(tf.sigmoid(tf.add(tf.add(f, fb), tf.mul(v.w_f_diag, cPrev))), cPrev),
        tf.mul(tf.sigmoid(tf.add(i, tf.mul(v.w_i_diag, cPrev))), applyActivation(j, act)),
      ) as tf.Tensor2D;
    } else {
      c = tf.add(tf.mul(tf.sigmoid(tf.add(f, fb)), cPrev), tf.mul(tf.sigmoid(i), applyActivation(j, act))) as tf.Tensor2D;
    }
    if (this.o.cellClip !== undefined) c = tf.clipByValue(c, -this.o.cellClip, this.o.cellClip);
    const oGate = this.o.usePeepholes ? tf.sigmoid(tf.add(o, tf.mul(v.w_o_diag, c))) : tf.sigmoid(o);
    let m = tf.mul(oGate, applyActivation(c, act)) as tf.Tensor2D;
    if (v.projection) {
      m = tf.matMul(m, v.projection as tf.Tensor2D);
      if (this.o.projClip !== undefined) m = tf.clipByValue(m, -this.o.projClip, this.o.projClip);
    }
    return [m, [c, m]];
  }
}

/** TF1 `GRUCell(num_units, activation=tanh, kernel_initializer, bias_initializer)`. */
export class GRUCell extends RnnCell {
  readonly numUnits: number;
  protected readonly baseName = 'gru_cell';
  private readonly g: CellOptions & { kernelInitializer?: Initializer; biasInitializer?: Initializer };
  gatesKernel?: tf.Variable;
  gatesBias?: tf.Variable;
  candidateKernel?: tf.Variable;
  candidateBias?: tf.Variable;

  constructor(numUnits: number, options: CellOptions & { kernelInitializer?: Initializer; biasInitializer?: Initializer } = {}) {
    super(options);
    this.numUnits = numUnits;
    this.g = options;
  }

  get stateSize(): number[] {
    return [this.numUnits];
  }

  get outputSize(): number {
    return this.numUnits;
  }

  protected build(store: VariableStore, inputDepth: number): void {
    const u = this.numUnits;
    this.gatesKernel = store.getVariable('gates/kernel', { shape: [inputDepth + u, 2 * u], initializer: this.g.kernelInitializer });
    this.gatesBias = store.getVariable('gates/bias', { shape: [2 * u], initializer: this.g.biasInitializer ?? constantInitializer(1.0) });
    this.candidateKernel = store.getVariable('candidate/kernel', { shape: [inputDepth + u, u], initializer: this.g.kernelInitializer });
    this.candidateBias = store.getVariable('candidate/bias', { shape: [u], initializer: this.g.biasInitializer ?? zerosInitializer() });
  }

  step(input: tf.Tensor2D, state: CellState): [tf.Tensor2D, CellState] {
    const [h] = state;
    const value = tf.sigmoid(tf.add(tf.matMul(tf.concat([input, h], 1), this.gatesKernel as tf.Tensor2D), this.gatesBias as tf.Tensor1D));
    const [r, u] = tf.split(value, 2, 1) as tf.Tensor2D[];
    const candidate = tf.add(tf.matMul(tf.concat([input, tf.mul(r, h)], 1), this.candidateKernel as tf.Tensor2D), this.candidateBias as tf.Tensor1D);
    const c = applyActivation(candidate, this.g.activation ?? 'tanh');
    const newH = tf.add(tf.mul(u, h), tf.mul(tf.sub(1, u), c)) as tf.Tensor2D;
    return [newH, [newH]];
  }
}

/** TF1 `MultiRNNCell(cells)`: cell i under `multi_rnn_cell/cell_<i>/`; state = the cells' states in order. */
export class MultiRNNCell extends RnnCell {
  readonly cells: RnnCell[];
  protected readonly baseName = 'multi_rnn_cell';

  constructor(cells: RnnCell[], options: { name?: string } = {}) {
    super(options);
    this.cells = cells;
  }

  get stateSize(): number[] {
    return this.cells.flatMap((c) => c.stateSize);
  }

  get outputSize(): number {
    return this.cells[this.cells.length - 1].outputSize;
  }

  protected build(store: VariableStore, inputDepth: number): void {
    let depth = inputDepth;
    this.cells.forEach((cell, i) => {
      store.variableScope(`cell_${i}`, {}, () => cell.ensureBuilt(store, depth));
      depth = cell.outputSize;
    });
  }

  step(input: tf.Tensor2D, state: CellState): [tf.Tensor2D, CellState] {
    let x = input;
    let pos = 0;
    const next: CellState = [];
    for (const cell of this.cells) {
      const n = cell.stateSize.length;
      const [out, s] = cell.step(x, state.slice(pos, pos + n));
      pos += n;
      next.push(...s);
      x = out;
    }
    return [x, next];
  }
}

/**
 * TF1 `DropoutWrapper(cell, output_keep_prob)`: drops the wrapped cell's output (not its state);
 * adds no variable scope of its own (TF's wrappers override `__call__`), so names are unchanged.
 */
export class DropoutWrapper extends RnnCell {
  readonly cell: RnnCell;
  readonly outputKeepProb: number;
  protected readonly baseName = 'dropout_wrapper';
  private readonly seed?: number;

  constructor(cell: RnnCell, options: { outputKeepProb?: number; seed?: number } = {}) {
    super({});
    this.cell = cell;
    this.outputKeepProb = options.outputKeepProb ?? 1;
    this.seed = options.seed;
  }

  get stateSize(): number[] {
    return this.cell.stateSize;
  }

  get outputSize(): number {
    return this.cell.outputSize;
  }

  override ensureBuilt(store: VariableStore, inputDepth: number): void {
    this.cell.ensureBuilt(store, inputDepth);
  }

  protected build(): void {
    // the wrapped cell owns the variables
  }

  step(input: tf.Tensor2D, state: CellState): [tf.Tensor2D, CellState] {
    const [out, next] = this.cell.step(input, state);
    return [this.outputKeepProb < 1 ? (tf.dropout(out, 1 - this.outputKeepProb, undefined, this.seed) as tf.Tensor2D) : out, next];
  }
}
