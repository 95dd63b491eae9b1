/**
 * The built-in models by name: what `graft train --model NAME` builds and what a checkpoint's
 * `.meta.json` (`model: {name, config}`) rebuilds without code. An explicit list, no
 * registration by import side effect (STYLE.md §1).
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

/** Build a model by name with config overrides. */
export function buildModel(name: string, config: Record<string, unknown> = {}): ClassifierModel {
  return getModel(name).build(config);
}
