/**
 * A task = the data a model trains and evaluates on, described as JSON so it can be stored in a
 * checkpoint's `.meta.json` (`extra.task`) and rebuilt by `graft eval`: MNIST digits (optionally
 * a subset, relabelled 0..k-1) or BANKING77 intents (optionally a subset), with the vocabulary of
 * a text model kept beside the weights — token ids only mean something with their vocabulary.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ExampleSet } from '../models/data/example-set.js';
import { loadMnist } from '../models/data/mnist.js';
import { banking77Categories, loadBanking77, textExampleSet } from '../models/data/banking77.js';
import { Vocabulary } from '../models/data/vocabulary.js';
import type { ClassifierModel } from '../models/types.js';

/** JSON description of a task. */
export interface TaskSpec {
  dataset: 'mnist' | 'banking77';
  /** MNIST digits to keep (labels renumbered in this order); default all ten. */
  digits?: number[];
  /** BANKING77 intents to keep (labels in this order); default all 77. */
  categories?: string[];
  /** BANKING77: classes made of several intents (`{sources, target}`); `target` appears in `categories`. */
  merges?: { sources: string[]; target: string }[];
  /** Training examples to use (after a seeded shuffle); default all. */
  trainLimit?: number;
  /** Evaluation examples; default all of the test split. */
  testLimit?: number;
  /** BANKING77: at most this many training queries per intent. */
  perClass?: number;
  /** Data-order seed; default 0. */
  seed?: number;
  /** Text: token sequence length; default the model's. */
  maxLength?: number;
  /** Text: vocabulary size cap when a vocabulary is built; default 2000. */
  vocabSize?: number;
}

/** A loaded task. */
export interface LoadedTask {
  spec: TaskSpec;
  train: ExampleSet;
  test: ExampleSet;
  classNames: string[];
  /** Text tasks: the vocabulary the token ids refer to. */
  vocabulary?: Vocabulary;
}

/** The default task of a model kind: MNIST for image models, BANKING77 for token models. */
export function defaultTaskFor(kind: ClassifierModel['inputKind']): TaskSpec {
  return kind === 'image' ? { dataset: 'mnist' } : { dataset: 'banking77' };
}

/** Number of classes of a task (without loading its data). */
export async function taskClassNames(spec: TaskSpec): Promise<string[]> {
  if (spec.dataset === 'mnist') return (spec.digits ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).map(String);
  return spec.categories ? [...spec.categories] : banking77Categories();
}

/**
 * Load a task's train and test sets. Text tasks use `vocabulary` when given (the one saved with a
 * checkpoint; with `extendVocabulary`, followed by the training texts' words it lacks), else
 * build one from the training texts.
 */
export async function loadTask(spec: TaskSpec, options: { vocabulary?: Vocabulary; extendVocabulary?: boolean; maxLength?: number; padding?: 'pre' | 'post' } = {}): Promise<LoadedTask> {
  const seed = spec.seed ?? 0;
  if (spec.dataset === 'mnist') {
    const train = await loadMnist({ split: 'train', digits: spec.digits, seed, limit: spec.trainLimit });
    const test = await loadMnist({ split: 'test', digits: spec.digits, seed: seed + 1, limit: spec.testLimit });
    return { spec, train, test, classNames: train.classNames };
  }
  if (spec.dataset !== 'banking77') {
    throw new InvalidArgumentError('unknown_dataset', `unknown dataset "${String(spec.dataset)}"`, { hint: 'use mnist or banking77' });
  }
  const merges = spec.merges ?? [];
  const targetOf = new Map(merges.flatMap((m) => m.sources.map((s) => [s, m.target] as const)));
  const classNames = spec.categories ? [...spec.categories] : await banking77Categories();
  // Load the real intents (merge targets replaced by their sources), then relabel.
  const real = merges.length ? classNames.flatMap((c) => merges.find((m) => m.target === c)?.sources ?? [c]) : spec.categories;
  const relabel = (t: { texts: string[]; labels: Int32Array; classNames: string[] }) => {
    if (!merges.length) return t;
    const index = new Map(classNames.map((c, i) => [c, i] as const));
    return { texts: t.texts, labels: Int32Array.from(t.labels, (l) => index.get(targetOf.get(t.classNames[l]!) ?? t.classNames[l]!)!), classNames };
  };
  const trainT = relabel(await loadBanking77({ split: 'train', categories: real, seed, limit: spec.trainLimit, perClass: spec.perClass }));
  const testT = relabel(await loadBanking77({ split: 'test', categories: real, seed: seed + 1, limit: spec.testLimit }));
  const vocabulary = options.vocabulary
    ? options.extendVocabulary
      ? options.vocabulary.extend(trainT.texts, { maxSize: spec.vocabSize ?? 2000 })
      : options.vocabulary
    : Vocabulary.build(trainT.texts, { maxSize: spec.vocabSize ?? 2000 });
  const maxLength = spec.maxLength ?? options.maxLength ?? 16;
  return {
    spec,
    train: textExampleSet(trainT, vocabulary, maxLength, { padding: options.padding ?? 'pre' }),
    test: textExampleSet(testT, vocabulary, maxLength, { padding: options.padding ?? 'pre' }),
    classNames: trainT.classNames,
    vocabulary,
  };
}
