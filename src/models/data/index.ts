/** Real-data loaders: MNIST (IDX) and BANKING77 (CSV) for the built-in models, the user's own data (text files per class, CSV/JSONL, image folders), tokenizer, vocabulary. */
export { dataDir, dataPath, setDataDir } from './paths.js';
export { seededRng, shuffledIndices } from './random.js';
export type { Rng } from './random.js';
export { exampleSize, subset, take, classCounts } from './example-set.js';
export type { ExampleSet } from './example-set.js';
export { parseIdx, loadMnist, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from './mnist.js';
export type { IdxInfo, LoadMnistOptions } from './mnist.js';
export { parseCsv, parseCsvObjects } from './csv.js';
export { tokenize, Vocabulary, PAD_ID, OOV_ID, PAD_TOKEN, OOV_TOKEN } from './vocabulary.js';
export type { BuildVocabularyOptions, EncodedTexts } from './vocabulary.js';
export { loadBanking77, banking77Categories, textExampleSet } from './banking77.js';
export type { LabelledTexts, LoadBanking77Options } from './banking77.js';
export { detectDataLayout, loadUserTexts, listUserImages, decodeUserImages, imageShapeOf, decodeImage, stratifiedSplit } from './user/index.js';
export type { DataLayout, UserTexts, UserImageFiles, DecodedImage, SplitIndices } from './user/index.js';
