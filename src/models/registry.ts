/**
 * The built-in models by name: what `graft train --model NAME` builds and what a checkpoint's
 * `.meta.json` (`model: {name, config}`) rebuilds without code. An explicit list, no
 * registration by import side effect (docs/design/STYLE.md §1).
 */
import { InvalidArgumentError } from '../errors.js';
import { intentA, intentB } from './intent-rnn.js';
import { mnistCnn } from './mnist-cnn.js';
import { crnn, textRnn } from './article-models.js';
import type { ClassifierModel, ModelDefinition } from './types.js';

/** Every built-in model, in the order `--help` lists them. */
export const MODELS: readonly ModelDefinition<any>[] = [mnistCnn, crnn, textRnn, intentA, intentB];

const extra: ModelDefinition<any>[] = [];

/** Add a model definition (e.g. one of your own) so names and `.meta.json` rebuilds find it. */
export function registerModel(def: ModelDefinition<any>): void {
  if (allModels().some((m) => m.name === def.name)) {
    throw new InvalidArgumentError('duplicate_model', `a model named "${def.name}" is already registered`, { hint: 'pick another name' });
  }
  extra.push(def);
}

/** Built-in and registered definitions. */
export function allModels(): ModelDefinition<any>[] {
  return [...MODELS, ...extra];
}

/**
 * The definition of a model by name.
 * @throws InvalidArgumentError `unknown_model` listing the names there are.
 */
export function getModel(name: string): ModelDefinition<any> {
  const def = allModels().find((m) => m.name === name);
  if (!def) {
    throw new InvalidArgumentError('unknown_model', `there is no built-in model "${name}"`, {
      hint: `use one of: ${allModels().map((m) => m.name).join(', ')}`,
      details: { name },
    });
  }
  return def;
}

/**
 * Build a model by name with config overrides (checked first by {@link validateModelConfig}).
 * @throws InvalidArgumentError `unknown_model`, `bad_model_config`.
 */
export function buildModel(name: string, config: Record<string, unknown> = {}, bounds: ConfigBounds = {}): ClassifierModel {
  validateModelConfig(name, config, bounds);
  return getModel(name).build(config);
}

/** Bounds a config is checked against before a model is built from it. */
export interface ConfigBounds {
  /**
   * The largest size any integer field may take. A checkpoint-driven build passes the largest
   * dimension in the checkpoint's index (every size field of a built-in model — units, filters,
   * classes, vocabulary, embedding width — is a dimension of some variable it saves), so a
   * `.meta.json` cannot make Graft allocate more than the weights it describes.
   */
  maxDimension?: number;
  /** Where the config came from, for messages (e.g. the `.meta.json` path). */
  source?: string;
}

/** Size fields up to this are always accepted (a partial checkpoint may not hold every layer). */
export const CONFIG_DIMENSION_FLOOR = 4096;

/**
 * Check a model config before anything is allocated: every field whose default is an integer
 * (or a list of integers) must be a safe integer — ≥ 1 for sizes, ≥ 0 for seeds — and no size may
 * exceed `max(bounds.maxDimension, CONFIG_DIMENSION_FLOOR)` when a bound is given; other numeric
 * fields must be finite.
 * @throws InvalidArgumentError `bad_model_config` naming the field, its value and the bound.
 */
export function validateModelConfig(name: string, config: Record<string, unknown>, bounds: ConfigBounds = {}): void {
  const def = getModel(name);
  const where = bounds.source ? `${bounds.source}: ` : '';
  const cap = bounds.maxDimension === undefined ? Infinity : Math.max(bounds.maxDimension, CONFIG_DIMENSION_FLOOR);
  const fail = (key: string, value: unknown, why: string): never => {
    throw new InvalidArgumentError('bad_model_config', `${where}${name} config.${key} = ${JSON.stringify(value)}: ${why}`, {
      hint: `omit ${key} for the default (${JSON.stringify((def.defaultConfig as Record<string, unknown>)[key])}), or fix the .meta.json / --model-config`,
      details: { model: name, field: key, value, ...(Number.isFinite(cap) ? { maxDimension: cap } : {}) },
    });
  };
  const checkInt = (key: string, v: unknown): void => {
    const seed = /seed/i.test(key);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(key, v, 'expected an integer');
    const n = v as number;
    if (n < (seed ? 0 : 1)) fail(key, v, `expected an integer ≥ ${seed ? 0 : 1}`);
    if (!seed && n > cap) fail(key, v, `larger than any dimension of the checkpoint's variables (largest ${bounds.maxDimension}); refusing to allocate it`);
  };
  for (const [key, v] of Object.entries(config)) {
    const d = (def.defaultConfig as Record<string, unknown>)[key];
    if (typeof d === 'number' && Number.isInteger(d)) checkInt(key, v);
    else if (Array.isArray(d) && d.every((x) => Number.isInteger(x))) {
      if (!Array.isArray(v) || v.length === 0 || v.length > 64) fail(key, v, 'expected a list of 1 to 64 integers');
      (v as unknown[]).forEach((x, i) => checkInt(`${key}[${i}]`, x));
    } else if (/seed/i.test(key) && v !== undefined) checkInt(key, v);
    else if (typeof v === 'number' && !Number.isFinite(v)) fail(key, v, 'expected a finite number');
  }
}
