/**
 * Model configs into the Keras 3 layout (`keras/src/saving/serialization_lib.py`,
 * `serialize_keras_object`): every object is `{module, class_name, config, registered_name}`
 * (layers `keras.layers`, models `keras`, initializers `keras.initializers`, regularizers
 * `keras.regularizers`, constraints `keras.constraints`), a Sequential lists an `InputLayer`
 * with `batch_shape` first, and models carry `build_config: {input_shape}`.
 *
 * Accepted inputs: a Keras 3 config (returned as it is); a tfjs `modelTopology` or Keras 2
 * `model_config` (`{class_name, config}`, possibly wrapped as `{model_config, keras_version}`).
 * Keras 2 keys Keras 3 no longer takes are translated: `batch_input_shape` / `input_shape` +
 * `input_dim` → a leading InputLayer (Sequential) or InputLayer `batch_shape`; `input_length`
 * (Embedding), `time_major` (RNNs) dropped. Functional models keep their Keras 2
 * `inbound_nodes` lists, which Keras 3's `functional_from_config` still reads (its "legacy"
 * branch of `deserialize_node`).
 */
import { InvalidArgumentError } from '../../errors.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);
/** Layer config keys Keras 2 wrote and Keras 3 layer constructors refuse. */
const DROPPED_KEYS = ['batch_input_shape', 'input_shape', 'input_dim', 'input_length', 'time_major'];

/** Whether a config is already in the Keras 3 layout (top-level `module`). */
export function isKeras3Config(config: unknown): boolean {
  return isObj(config) && typeof config.module === 'string' && typeof config.class_name === 'string';
}

function wrapNested(key: string, v: unknown): unknown {
  if (!isObj(v) || typeof v.class_name !== 'string' || 'module' in v) return v;
  const module = key.endsWith('_initializer') ? 'keras.initializers' : key.endsWith('_regularizer') ? 'keras.regularizers'
    : key.endsWith('_constraint') ? 'keras.constraints' : undefined;
  if (!module) return v;
  return { module, class_name: v.class_name, config: isObj(v.config) ? v.config : {}, registered_name: null };
}

function batchShapeOf(cfg: Obj): unknown[] | undefined {
  if (Array.isArray(cfg.batch_input_shape)) return cfg.batch_input_shape;
  if (Array.isArray(cfg.batch_shape)) return cfg.batch_shape;
  if (Array.isArray(cfg.input_shape)) return [null, ...cfg.input_shape];
  if (typeof cfg.input_dim === 'number') return [null, cfg.input_dim];
  return undefined;
}

function layer(l: Obj, depth: number): Obj {
  if (depth > 64) throw new InvalidArgumentError('config_too_deep', 'model config nests deeper than 64 levels', { hint: 'pass a Keras model config' });
  const className = String(l.class_name);
  if (MODEL_CLASSES.has(className)) return model(l, depth + 1);
  const src = isObj(l.config) ? l.config : {};
  const cfg: Obj = {};
  if (className === 'InputLayer') {
    const shape = batchShapeOf(src);
    for (const [k, v] of Object.entries(src)) if (!DROPPED_KEYS.includes(k) && k !== 'batch_shape') cfg[k] = v;
    return { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: shape ?? null, ...cfg }, registered_name: null };
  }
  for (const [k, v] of Object.entries(src)) {
    if (DROPPED_KEYS.includes(k)) continue;
    cfg[k] = k === 'layer' && isObj(v) ? layer(v, depth + 1) : wrapNested(k, v); // wrappers (Bidirectional, TimeDistributed)
  }
  const out: Obj = { module: 'keras.layers', class_name: className, config: cfg, registered_name: null };
  if ('inbound_nodes' in l) out.inbound_nodes = l.inbound_nodes;
  if ('name' in l) out.name = l.name;
  return out;
}

function model(m: Obj, depth: number): Obj {
  const className = m.class_name === 'Model' ? 'Functional' : String(m.class_name);
  const src = isObj(m.config) ? m.config : {};
  const rawLayers = Array.isArray(src.layers) ? src.layers.filter(isObj) : [];
  const layers: Obj[] = [];
  let inputShape: unknown[] | undefined;
  if (className === 'Sequential') {
    const first = rawLayers[0];
    const firstCfg = isObj(first?.config) ? first.config : {};
    if (first && first.class_name !== 'InputLayer') {
      inputShape = batchShapeOf(firstCfg);
      if (inputShape) {
        layers.push({ module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: inputShape, dtype: typeof firstCfg.dtype === 'string' ? firstCfg.dtype : 'float32', sparse: false, name: 'input_layer' }, registered_name: null });
      }
    } else if (first) inputShape = batchShapeOf(firstCfg);
  }
  for (const l of rawLayers) layers.push(layer(l, depth));
  const config: Obj = { ...src, name: typeof src.name === 'string' ? src.name : className.toLowerCase(), trainable: src.trainable ?? true, layers };
  delete config.build_input_shape;
  const out: Obj = { module: 'keras', class_name: className, config, registered_name: null };
  if (inputShape) out.build_config = { input_shape: inputShape };
  if ('inbound_nodes' in m) out.inbound_nodes = m.inbound_nodes;
  if ('name' in m) out.name = m.name;
  return out;
}

/**
 * A Keras 3 model config from a Keras 3 config, a tfjs `modelTopology`, or a Keras 2
 * `model_config` (see the module comment).
 * @throws InvalidArgumentError `not_a_model_config`.
 */
export function toKeras3Config(config: unknown): Obj {
  if (isKeras3Config(config)) return config as Obj;
  const inner = isObj(config) && isObj(config.model_config) ? config.model_config : config;
  if (!isObj(inner) || typeof inner.class_name !== 'string' || !MODEL_CLASSES.has(inner.class_name) || !isObj(inner.config)) {
    throw new InvalidArgumentError('not_a_model_config', 'the model config is not a Keras Sequential/Functional config ({class_name, config: {layers}})', {
      hint: 'pass a tfjs model.json modelTopology, a Keras model.to_json() or a .keras config.json', details: { found: isObj(inner) ? String(inner.class_name) : typeof inner },
    });
  }
  return model(inner, 0);
}
