/** TF1 RNN cells, dynamic_rnn and the TF1 ↔ tfjs-layers LSTM/GRU weight layout conversion. */
export { RnnCell, BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell, DropoutWrapper, type CellState, type CellOptions, type LSTMCellOptions } from './cells.js';
export { dynamicRnn, type DynamicRnnOptions, type DynamicRnnResult } from './dynamic-rnn.js';
export {
  tf1LstmToKeras, kerasLstmToTf1, tf1GruToKeras, kerasGruToTf1,
  type Tf1LstmWeights, type KerasLstmWeights, type Tf1GruWeights, type KerasGruWeights,
} from './convert.js';
