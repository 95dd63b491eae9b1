/**
 * A Keras 3 model config (`config.json` of a `.keras`, `model.to_json()` of Keras 3) in the Keras 2
 * layout tfjs-layers deserialises — the inverse of formats/keras-h5/keras3-config.ts:
 * - every object's `module`, `registered_name`, `build_config`, `compile_config`,
 *   `shared_object_id` dropped; a `dtype` policy `{class_name: 'DTypePolicy', config: {name}}` → its name;
 * - a Sequential's leading `InputLayer {batch_shape}` → `batch_input_shape` on the first layer;
 *   an `InputLayer` elsewhere: `batch_shape` → `batch_input_shape`;
 * - functional `inbound_nodes` `[{args, kwargs}]` (keras tensors `{class_name: '__keras_tensor__',
 *   config: {keras_history: [layer, node, tensor]}}` inside `args`) → `[[[layer, node, tensor, {}], …]]`;
 *   a single `input_layers` / `output_layers` triple → a list of one;
 * - initializer class names Keras 3 renamed (`OrthogonalInitializer` → `Orthogonal`).
 * Source of truth: keras/src/saving/serialization_lib.py, keras/src/models/functional.py
 * (`functional_from_config`, `serialize_node`).
 */
import { InvalidArgumentError } from '../errors.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const DROPPED = new Set(['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id']);
const RENAMED_CLASSES: Record<string, string> = { OrthogonalInitializer: 'Orthogonal' };

function strip(v: unknown, depth: number): unknown {
  if (depth > 200) throw new InvalidArgumentError('bad_topology', 'the Keras 3 config nests deeper than 200 levels', { hint: 'the config file is damaged' });
  if (Array.isArray(v)) return v.map((x) => strip(x, depth + 1));
  if (!isObj(v)) return v;
  if (v['class_name'] === 'DTypePolicy' && isObj(v['config']) && typeof v['config']['name'] === 'string') return v['config']['name'];
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (DROPPED.has(k)) continue;
    out[k] = k === 'class_name' && typeof x === 'string' ? (RENAMED_CLASSES[x] ?? x) : strip(x, depth + 1);
  }
  return out;
}

/** The keras tensors referenced in a Keras 3 node's args, in order, as Keras 2 `[layer, node, tensor, {}]`. */
function historyOf(v: unknown, out: unknown[][] = []): unknown[][] {
  if (Array.isArray(v)) for (const x of v) historyOf(x, out);
  else if (isObj(v)) {
    const cfg = v['config'];
    if (v['class_name'] === '__keras_tensor__' && isObj(cfg) && Array.isArray(cfg['keras_history'])) out.push([...cfg['keras_history'].slice(0, 3), {}]);
    else for (const x of Object.values(v)) historyOf(x, out);
  }
  return out;
}

function convertModel(model: Obj): void {
  const cfg = model['config'];
  if (!isObj(cfg) || !Array.isArray(cfg['layers'])) return;
  const layers = cfg['layers'] as Obj[];
  for (const layer of layers) {
    if (!isObj(layer)) continue;
    const lc = layer['config'];
    if (layer['class_name'] === 'InputLayer' && isObj(lc) && Array.isArray(lc['batch_shape'])) {
      lc['batch_input_shape'] = lc['batch_shape'];
      delete lc['batch_shape'];
    }
    if (Array.isArray(layer['inbound_nodes'])) {
      layer['inbound_nodes'] = (layer['inbound_nodes'] as unknown[]).map((node) => (isObj(node) && 'args' in node ? historyOf(node['args']) : node));
    }
    if (layer['class_name'] === 'Sequential' || layer['class_name'] === 'Functional' || layer['class_name'] === 'Model') convertModel(layer);
  }
  if (model['class_name'] === 'Sequential' && layers[0]?.['class_name'] === 'InputLayer') {
    const input = layers.shift()!;
    const first = layers[0];
    const ic = input['config'] as Obj;
    if (first && isObj(first['config']) && !('batch_input_shape' in first['config'])) first['config']['batch_input_shape'] = ic['batch_input_shape'];
  }
  for (const k of ['input_layers', 'output_layers']) {
    const v = cfg[k];
    if (Array.isArray(v) && typeof v[0] === 'string') cfg[k] = [v];
  }
  if (model['class_name'] === 'Functional') model['class_name'] = 'Model';
}

/**
 * The Keras 2 / tfjs form of a Keras 3 model config (see the file comment).
 * @throws InvalidArgumentError `bad_topology`
 */
export function fromKeras3Config(config: unknown, where = 'config'): unknown {
  if (!isObj(config) || typeof config['class_name'] !== 'string' || !isObj(config['config'])) {
    throw new InvalidArgumentError('bad_topology', `${where}: not a Keras 3 model config ({module, class_name, config})`, { hint: 'pass the config.json inside a .keras, or model.to_json() of Keras 3' });
  }
  const out = strip(config, 0) as Obj;
  convertModel(out);
  return out;
}
