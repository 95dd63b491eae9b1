/**
 * The user's data as a task for a tf.LayersModel: which inputs the model reads (images `[h, w,
 * c]` or token ids `[maxLength]`, from its input layer), the data loaded, split (stratified,
 * seeded: models/data/user/split.ts) and encoded, and the JSON spec stored in `.meta.json`
 * (`extra.userData`, the vocabulary in `extra.vocabulary`) so `graft eval` and a resumed or
 * class-changed run encode the same data the same way.
 *
 * Text: the vocabulary is built from the training split only (most frequent words first, at
 * most the model's Embedding `inputDim` entries, or `vocabSize`), ids padded in front to
 * `maxLength` (the model's input length). Images: see decodeUserImages (exact size, 1 or 3
 * channels, values in [0, 1]).
 */
import { resolve } from '../../io/path.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../../errors.js';
import { subset, type ExampleSet } from '../../models/data/example-set.js';
import { textExampleSet } from '../../models/data/banking77.js';
import { Vocabulary } from '../../models/data/vocabulary.js';
import { decodeUserImages, detectDataLayout, imageShapeOf, listUserImages, loadUserTexts, type DataLayout } from '../../models/data/user/user-data.js';
import { stratifiedSplit } from '../../models/data/user/split.js';

/** What a model reads. */
export type UserInput = { kind: 'image'; shape: [number, number, number] } | { kind: 'tokens'; maxLength: number };

/** The data spec kept in `.meta.json` (`extra.userData`). */
export interface UserDataSpec {
  /** The data path, absolute. */
  path: string;
  layout: DataLayout;
  /** Fraction of each class in the test split. */
  testSplit: number;
  seed: number;
  classNames: string[];
  input: UserInput;
}

/** A loaded user task. */
export interface UserTask {
  spec: UserDataSpec;
  train: ExampleSet;
  test: ExampleSet;
  vocabulary?: Vocabulary;
}

/** Token sequence length used when the model's input leaves it open (`[null, null]`). */
export const DEFAULT_MAX_LENGTH = 16;
/** Vocabulary cap when the model does not fix one (a builder module's model). */
export const DEFAULT_VOCAB_SIZE = 2000;

/**
 * What a LayersModel reads, from its first input: `[null, h, w, c]` → images, `[null, L]` → token
 * ids (with the first Embedding's `inputDim` as the vocabulary cap).
 * @throws InvalidArgumentError `unsupported_model_input`.
 */
export function modelInput(model: tfl.LayersModel, maxLength?: number): UserInput & { vocabCap?: number } {
  if (model.inputs.length !== 1) {
    throw new InvalidArgumentError('unsupported_model_input', `the model has ${model.inputs.length} inputs; --data feeds one`, { hint: 'train a single-input model (images [h,w,c] or token ids [length])' });
  }
  const shape = model.inputs[0]!.shape;
  if (shape.length === 4 && shape.slice(1).every((d) => typeof d === 'number' && d > 0) && (shape[3] === 1 || shape[3] === 3)) {
    return { kind: 'image', shape: [shape[1]!, shape[2]!, shape[3]!] };
  }
  const embedding = model.layers.find((l) => l.getClassName() === 'Embedding');
  if (shape.length === 2 && embedding) {
    const L = shape[1] ?? maxLength ?? DEFAULT_MAX_LENGTH;
    return { kind: 'tokens', maxLength: L, vocabCap: Number(embedding.getConfig().inputDim) };
  }
  throw new InvalidArgumentError('unsupported_model_input', `the model reads [${shape.map((d) => d ?? 'null').join(', ')}]; --data feeds images [null, h, w, 1|3] or token ids [null, length] into an Embedding`, {
    hint: 'train a model whose input is an image or a token sequence (or feed it from your own code with model.fit and graft/layers callbacks)', details: { inputShape: shape },
  });
}

/**
 * The input a builder module's model should read, from the data alone: images → the images'
 * size and channels (imageShapeOf), text → `[maxLength]`.
 */
export async function dataInput(path: string, maxLength?: number): Promise<UserInput> {
  const layout = await detectDataLayout(path);
  if (layout === 'image-folders') return { kind: 'image', shape: await imageShapeOf((await listUserImages(path)).files) };
  return { kind: 'tokens', maxLength: maxLength ?? DEFAULT_MAX_LENGTH };
}

/** Options of {@link loadUserTask}. */
export interface LoadUserTaskOptions {
  input: UserInput;
  testSplit?: number;
  seed?: number;
  /** Text: use this vocabulary (a checkpoint's) instead of building one. */
  vocabulary?: Vocabulary;
  /** Text: cap of a vocabulary built here (or grown with `extendVocabulary`). */
  vocabSize?: number;
  /** Text: follow `vocabulary` with the training split's words it lacks, up to `vocabSize` entries (a class change's new words). */
  extendVocabulary?: boolean;
  /**
   * Label the data with these classes (a checkpoint's labels) instead of its own sorted ones; every
   * class of the data must be among them (`unknown_class` otherwise).
   */
  classNames?: readonly string[];
  /** Put every example into the test split (evaluating on a separate data set). */
  allForTest?: boolean;
}

function relabel(labels: Int32Array, from: readonly string[], to: readonly string[], path: string): Int32Array {
  const index = new Map(to.map((c, i) => [c, i] as const));
  const unknown = from.filter((c) => !index.has(c));
  if (unknown.length) {
    throw new InvalidArgumentError('unknown_class', `${path}: class${unknown.length > 1 ? 'es' : ''} ${unknown.map((c) => `"${c}"`).join(', ')} not among the model's ${to.length} (${to.slice(0, 5).join(', ')}${to.length > 5 ? ', …' : ''})`, {
      hint: 'evaluate on data with the checkpoint\'s classes, or change the classes first (graft train --classes-from)', details: { unknown, classes: to },
    });
  }
  return Int32Array.from(labels, (l) => index.get(from[l]!)!);
}

/**
 * Load, split and encode the user's data for a model reading `options.input`.
 * @throws the data loaders' errors; InvalidArgumentError `unknown_class`, `class_too_small`, `bad_test_split`.
 */
export async function loadUserTask(path: string, options: LoadUserTaskOptions): Promise<UserTask> {
  const abs = resolve(path);
  const seed = options.seed ?? 0;
  const testSplit = options.testSplit ?? 0.2;
  const input = options.input;
  const raw = input.kind === 'image' ? await listUserImages(abs) : await loadUserTexts(abs);
  const classNames = options.classNames ? [...options.classNames] : raw.classNames;
  const labels = options.classNames ? relabel(raw.labels, raw.classNames, classNames, path) : raw.labels;
  const split = options.allForTest ? { train: [], test: Array.from(labels.keys()) } : stratifiedSplit(raw.labels, raw.classNames, testSplit, seed, path);
  const spec: UserDataSpec = { path: abs, layout: raw.layout, testSplit, seed, classNames, input };
  if (raw.layout === 'image-folders') {
    if (input.kind !== 'image') throw new InvalidArgumentError('not_text_data', `${path}: image folders, but the model reads token ids`, { hint: 'pass text data' });
    const pick = (idx: number[]): ExampleSet => ({
      x: new Float32Array(0), exampleShape: [...input.shape], labels: Int32Array.from(idx, (i) => labels[i]!), classNames, count: idx.length,
    });
    const train = pick(split.train);
    const test = pick(split.test);
    train.x = await decodeUserImages(split.train.map((i) => raw.files[i]!), input.shape);
    test.x = await decodeUserImages(split.test.map((i) => raw.files[i]!), input.shape);
    return { spec, train, test };
  }
  if (input.kind !== 'tokens') throw new InvalidArgumentError('not_image_data', `${path}: text data, but the model reads images`, { hint: 'pass a folder of image folders' });
  const texts = raw as { texts: string[] };
  const trainTexts = split.train.map((i) => texts.texts[i]!);
  const maxSize = options.vocabSize ?? DEFAULT_VOCAB_SIZE;
  const vocabulary = options.vocabulary
    ? options.extendVocabulary ? options.vocabulary.extend(trainTexts, { maxSize }) : options.vocabulary
    : Vocabulary.build(trainTexts, { maxSize });
  const all = textExampleSet({ texts: texts.texts, labels, classNames }, vocabulary, input.maxLength, { padding: 'pre' });
  return { spec, train: subset(all, split.train), test: subset(all, split.test), vocabulary };
}
