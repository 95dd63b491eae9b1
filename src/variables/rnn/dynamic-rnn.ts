/**
 * TF1 `tf.nn.dynamic_rnn(cell, inputs, sequence_length, initial_state, scope)` over batch-major
 * inputs `[batch, time, depth]` (python/ops/rnn.py): the cell's variables live under
 * `<scope default "rnn">/<cell scope>` (`rnn/basic_lstm_cell/kernel`). With `sequenceLength`,
 * outputs past a sequence's length are zeros and its state is carried through unchanged
 * (`_rnn_step`), so the final state is the state at the last valid step.
 *
 * A BasicLSTMCell without sequence lengths first tries the native fused sequence op
 * (runtime/ops `fusedBasicLstm`, same math); when that is unavailable each step is composed from
 * TF.js ops inside its own `tf.tidy`, so memory stays flat over a training loop.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';
import { fusedBasicLstm } from '../../runtime/ops/lstm-sequence.js';
import type { VariableStore } from '../store.js';
import type { VariableScope } from '../variable-scope.js';
import { BasicLSTMCell, type CellState, type RnnCell } from './cells.js';

/** Options of {@link dynamicRnn}. */
export interface DynamicRnnOptions {
  /** Valid length of each sequence (int32 `[batch]`); default: all `time` steps. */
  sequenceLength?: number[] | tf.Tensor1D;
  /** Initial state (the cell's state order, e.g. `[c, h]`); default zeros. Not disposed. */
  initialState?: CellState;
  /** Variable scope; default `rnn`. */
  scope?: string | VariableScope;
  /** Use the fused native op when possible (default true); false forces the per-step graph. */
  allowFused?: boolean;
}

/** Result of {@link dynamicRnn}: outputs `[batch, time, outputSize]` and the final state. */
export interface DynamicRnnResult {
  outputs: tf.Tensor3D;
  state: CellState;
  /** Whether the native fused op computed it. */
  fused: boolean;
}

/**
 * Run `cell` over `inputs`.
 * @throws InvalidArgumentError `rnn_input_rank`, `sequence_length_shape`
 */
export function dynamicRnn(store: VariableStore, cell: RnnCell, inputs: tf.Tensor3D, options: DynamicRnnOptions = {}): DynamicRnnResult {
  if (inputs.rank !== 3) {
    throw new InvalidArgumentError('rnn_input_rank', `dynamicRnn inputs must be [batch, time, depth], got shape [${inputs.shape.join(', ')}]`, {
      hint: 'reshape the inputs to rank 3 (batch-major, as dynamic_rnn with time_major=False)',
    });
  }
  const [batch, time, depth] = inputs.shape;
  return store.variableScope(options.scope ?? 'rnn', {}, () => {
    cell.ensureBuilt(store, depth);
    const lengths = lengthsOf(options.sequenceLength, batch, time);
    if (options.allowFused !== false && cell instanceof BasicLSTMCell && cell.usesTanh && lengths === undefined) {
      const init = options.initialState;
      const r = fusedBasicLstm({
        inputs,
        kernel: cell.kernel as tf.Tensor2D,
        bias: cell.bias as tf.Tensor1D,
        forgetBias: cell.forgetBias,
        c0: init?.[0],
        h0: init?.[1],
      });
      if (r) return { outputs: r.outputs, state: [r.c, r.h], fused: true };
    }
    return stepwise(cell, inputs, lengths, options.initialState);
  });
}

function lengthsOf(sequenceLength: number[] | tf.Tensor1D | undefined, batch: number, time: number): number[] | undefined {
  if (sequenceLength === undefined) return undefined;
  const values = Array.isArray(sequenceLength) ? sequenceLength : Array.from(sequenceLength.dataSync());
  if (values.length !== batch) {
    throw new InvalidArgumentError('sequence_length_shape', `sequenceLength has ${values.length} entries but the batch has ${batch} sequences`, {
      hint: 'pass one length per sequence in the batch',
      details: { lengths: values.length, batch },
    });
  }
  // All sequences full: TF's result equals the unmasked one.
  return values.every((l) => l >= time) ? undefined : values;
}

function stepwise(cell: RnnCell, inputs: tf.Tensor3D, lengths: number[] | undefined, initialState: CellState | undefined): DynamicRnnResult {
  const [batch, time] = inputs.shape;
  let state: CellState = initialState ?? cell.zeroState(batch);
  const ownsState = initialState === undefined;
  const outputs: tf.Tensor2D[] = [];
  const lengthTensor = lengths ? tf.tensor1d(lengths, 'int32') : undefined;
  for (let t = 0; t < time; t++) {
    const prev = state;
    const result = tf.tidy(() => {
      const x = tf.squeeze(tf.slice(inputs, [0, t, 0], [batch, 1, -1]), [1]) as tf.Tensor2D;
      let [out, next] = cell.step(x, prev);
      if (lengthTensor) {
        const valid = tf.reshape(tf.greater(lengthTensor, t), [batch, 1]);
        out = tf.where(valid, out, tf.zerosLike(out)) as tf.Tensor2D;
        next = next.map((s, k) => tf.where(valid, s, prev[k]) as tf.Tensor2D);
      }
      return [out, ...next];
    });
    outputs.push(result[0] as tf.Tensor2D);
    state = result.slice(1) as CellState;
    // An LSTM's output is its new h: a previous state tensor may also be a kept output.
    if (t > 0 || ownsState) for (const s of prev) if (!state.includes(s) && !outputs.includes(s)) s.dispose();
  }
  lengthTensor?.dispose();
  const stacked = time === 0 ? (tf.zeros([batch, 0, cell.outputSize]) as tf.Tensor3D) : (tf.stack(outputs, 1) as tf.Tensor3D);
  for (const o of outputs) if (!state.includes(o)) o.dispose();
  return { outputs: stacked, state, fused: false };
}
