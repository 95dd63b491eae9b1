/**
 * Word tokenizer and vocabulary for the text models: lower-case words and punctuation marks,
 * ids by descending frequency (ties alphabetical, so the same texts give the same ids), id 0 =
 * padding `<pad>`, id 1 = out-of-vocabulary `<unk>`, capped at `maxSize` entries.
 */
import { InvalidArgumentError } from '../../errors.js';

/** Id of the padding token. */
export const PAD_ID = 0;
/** Id of the out-of-vocabulary token. */
export const OOV_ID = 1;
/** Token strings of the reserved ids. */
export const PAD_TOKEN = '<pad>';
/** Token string of {@link OOV_ID}. */
export const OOV_TOKEN = '<unk>';

/** Split text into lower-case word and punctuation tokens (`"I've lost it!"` → `i've lost it !`). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*|[^\s\p{L}\p{N}]/gu) ?? [];
}

/** Options for {@link Vocabulary.build}. */
export interface BuildVocabularyOptions {
  /** Most entries, including `<pad>` and `<unk>`. Default 5000. */
  maxSize?: number;
  /** Drop words seen fewer times. Default 1. */
  minCount?: number;
}

/** Padded token ids of a batch of texts. */
export interface EncodedTexts {
  /** `count * maxLength` ids, row-major, padded with {@link PAD_ID}. */
  ids: Int32Array;
  /** Real tokens per text (at most maxLength; at least 1 so an RNN always reads one step). */
  lengths: Int32Array;
  maxLength: number;
  /** Share of tokens that were out of vocabulary. */
  oovRate: number;
}

/** A word ↔ id table. */
export class Vocabulary {
  private readonly index = new Map<string, number>();

  /** Tokens in id order (`tokens[0] === '<pad>'`, `tokens[1] === '<unk>'`). */
  readonly tokens: readonly string[];

  constructor(tokens: readonly string[]) {
    if (tokens[PAD_ID] !== PAD_TOKEN || tokens[OOV_ID] !== OOV_TOKEN) {
      throw new InvalidArgumentError('bad_vocabulary', `a vocabulary must start with "${PAD_TOKEN}", "${OOV_TOKEN}" (found "${tokens[0]}", "${tokens[1]}")`, {
        hint: 'build it with Vocabulary.build or keep the two reserved tokens first',
      });
    }
    this.tokens = [...tokens];
    this.tokens.forEach((t, i) => {
      if (this.index.has(t)) {
        throw new InvalidArgumentError('bad_vocabulary', `token "${t}" appears twice in the vocabulary (ids ${this.index.get(t)} and ${i})`, { hint: 'tokens must be unique' });
      }
      this.index.set(t, i);
    });
  }

  /** Build from texts: most frequent words first, ties in alphabetical order. */
  static build(texts: Iterable<string>, options: BuildVocabularyOptions = {}): Vocabulary {
    const maxSize = options.maxSize ?? 5000;
    const minCount = options.minCount ?? 1;
    if (!Number.isInteger(maxSize) || maxSize < 2) {
      throw new InvalidArgumentError('bad_vocabulary_size', `maxSize ${maxSize} must be an integer ≥ 2`, { hint: 'two ids are reserved for <pad> and <unk>' });
    }
    const counts = new Map<string, number>();
    for (const t of texts) for (const w of tokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const words = [...counts.entries()]
      .filter(([, c]) => c >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxSize - 2)
      .map(([w]) => w);
    return new Vocabulary([PAD_TOKEN, OOV_TOKEN, ...words]);
  }

  /**
   * This vocabulary followed by the words of `texts` it lacks (most frequent first, ties in
   * alphabetical order), up to `maxSize` entries in all; every existing id keeps its meaning, so
   * a restored embedding's rows stay valid and only the new rows need initial values (TF's
   * warm start with `VocabInfo`: old rows remapped, new ones from the backup initializer).
   */
  extend(texts: Iterable<string>, options: BuildVocabularyOptions = {}): Vocabulary {
    const maxSize = Math.max(this.size, options.maxSize ?? 5000);
    const minCount = options.minCount ?? 1;
    const counts = new Map<string, number>();
    for (const t of texts) for (const w of tokenize(t)) if (!this.index.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const words = [...counts.entries()]
      .filter(([, c]) => c >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxSize - this.size)
      .map(([w]) => w);
    return words.length ? new Vocabulary([...this.tokens, ...words]) : this;
  }

  /** Number of entries (the embedding's row count). */
  get size(): number {
    return this.tokens.length;
  }

  /** Id of a token, {@link OOV_ID} when unknown. */
  id(token: string): number {
    return this.index.get(token) ?? OOV_ID;
  }

  /**
   * Encode texts, truncating to and padding up to `maxLength`. `padding: 'pre'` puts the padding
   * first (Keras `pad_sequences` default), so an RNN's final state follows the last real token
   * without sequence lengths; default `'post'`.
   */
  encode(texts: readonly string[], maxLength: number, options: { padding?: 'pre' | 'post' } = {}): EncodedTexts {
    const pre = options.padding === 'pre';
    if (!Number.isInteger(maxLength) || maxLength < 1) {
      throw new InvalidArgumentError('bad_max_length', `maxLength ${maxLength} must be a positive integer`, { hint: 'pass e.g. 24' });
    }
    const ids = new Int32Array(texts.length * maxLength);
    const lengths = new Int32Array(texts.length);
    let total = 0;
    let oov = 0;
    texts.forEach((t, i) => {
      const toks = tokenize(t).slice(0, maxLength);
      const offset = pre ? maxLength - Math.max(1, toks.length) : 0;
      toks.forEach((w, j) => {
        const id = this.id(w);
        if (id === OOV_ID) oov++;
        ids[i * maxLength + offset + j] = id;
      });
      total += toks.length;
      if (toks.length === 0) ids[i * maxLength + offset] = OOV_ID;
      lengths[i] = Math.max(1, toks.length);
    });
    return { ids, lengths, maxLength, oovRate: total === 0 ? 0 : oov / total };
  }

  /** The tokens as a JSON-serialisable list (store it beside a checkpoint). */
  toJSON(): string[] {
    return [...this.tokens];
  }
}
