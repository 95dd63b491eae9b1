/**
 * A Keras 3 model config (`config.json` of a `.keras` archive; keras/src/saving/
 * serialization_lib.py `serialize_keras_object`) written back in the Keras 2 layout that
 * tfjs-layers deserializes (`tf.models.modelFromJSON`), the inverse of formats/keras-h5/
 * keras3-config.ts for the parts both know:
 *
 * - every `{module, class_name, config, registered_name}` object loses `module`,
 *   `registered_name`, `build_config`, `compile_config` and `shared_object_id`;
 * - a dtype policy `{class_name: "DTypePolicy", config: {name: "float32"}}` becomes `"float32"`;
 * - `InputLayer.batch_shape` becomes `batch_input_shape`;
 * - Keras 3 initializer names tfjs spells otherwise (`OrthogonalInitializer` → `Orthogonal`);
 * - a functional node `{args: [keras tensors…], kwargs}` becomes Keras 2's
 *   `[[layer, node, tensor, kwargs], …]`, and `input_layers` / `output_layers` given as one
 *   `[name, node, tensor]` triple become a list of triples.
 *
 * What tfjs-layers itself lacks (a layer class it does not have, a mixed-precision policy) stays
 * for the caller to report (layers/load-model.ts: `unsupported_keras_config`).
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const DROPPED = new Set(['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id']);
const RENAMED_CLASSES: Record<string, string> = { OrthogonalInitializer: 'Orthogonal' };

function isKerasTensor(v: unknown): v is { config: { keras_history: [string, number, number] } } {
  return isObj(v) && v.class_name === '__keras_tensor__' && isObj(v.config) && Array.isArray(v.config.keras_history);
}

function kerasTensors(v: unknown, out: [string, number, number][]): void {
  if (isKerasTensor(v)) out.push(v.config.keras_history);
  else if (Array.isArray(v)) for (const x of v) kerasTensors(x, out);
}

/** A Keras 3 inbound node → the Keras 2 list of `[layer, node, tensor, kwargs]`. */
function node(n: unknown): unknown {
  if (!isObj(n) || !('args' in n)) return n; // already Keras 2
  const refs: [string, number, number][] = [];
  kerasTensors(n.args, refs);
  const kwargs = isObj(n.kwargs) ? Object.fromEntries(Object.entries(n.kwargs).filter(([, v]) => !isKerasTensor(v))) : {};
  return refs.map(([l, i, t]) => [l, i, t, kwargs]);
}

function triples(v: unknown): unknown {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' ? [v] : v;
}

function walk(v: unknown, key: string, depth: number): unknown {
  if (depth > 128) return v;
  if (Array.isArray(v)) return v.map((x) => walk(x, '', depth + 1));
  if (!isObj(v)) return v;
  if ((v.class_name === 'DTypePolicy' || v.class_name === 'FloatDTypePolicy') && isObj(v.config) && typeof v.config.name === 'string') return v.config.name;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (DROPPED.has(k)) continue;
    if (k === 'class_name' && typeof x === 'string') out[k] = RENAMED_CLASSES[x] ?? x;
    else if (k === 'inbound_nodes' && Array.isArray(x)) out[k] = x.map(node);
    else if ((k === 'input_layers' || k === 'output_layers') && key === 'config') out[k] = triples(x);
    else out[k] = walk(x, k, depth + 1);
  }
  if (out.class_name === 'InputLayer' && isObj(out.config) && 'batch_shape' in out.config) {
    const { batch_shape, ...rest } = out.config;
    out.config = { batch_input_shape: batch_shape, ...rest };
  }
  return out;
}

/** The Keras 2 / tfjs `model_config` of a Keras 3 config (see the file comment). */
export function fromKeras3Config(config: unknown): Obj {
  return walk(config, '', 0) as Obj;
}
