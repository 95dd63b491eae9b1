/**
 * BANKING77 (Casanueva et al. 2020, CC BY 4.0) from the bundled CSVs: `data/banking77/
 * {train,test}.csv` with columns `text,category`, and `categories.json` listing the 77 intents.
 */
import { readFile } from '../../io/fs.js';
import { FormatError, GraftError, InvalidArgumentError } from '../../errors.js';
import { parseCsvObjects } from './csv.js';
import type { ExampleSet } from './example-set.js';
import { dataPath } from './paths.js';
import { shuffledIndices } from './random.js';
import type { Vocabulary } from './vocabulary.js';

/** Labelled texts. */
export interface LabelledTexts {
  texts: string[];
  /** Index into `classNames`. */
  labels: Int32Array;
  classNames: string[];
}

/** Options for {@link loadBanking77}. */
export interface LoadBanking77Options {
  /** `train` (10,003 queries) or `test` (3,080). Default `train`. */
  split?: 'train' | 'test';
  /** Keep only these intents, labelled in this order; default all 77 in categories.json order. */
  categories?: readonly string[];
  /** Shuffle with this seed before `limit`; default file order. */
  seed?: number;
  /** Keep at most this many queries. */
  limit?: number;
  /** Keep at most this many queries per intent (applied before `limit`). */
  perClass?: number;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new GraftError('data_not_found', `cannot read ${path}`, { hint: 'the data file is missing; set GRAFT_DATA_DIR to a folder holding mnist/ and banking77/ (the data/ folder of a clone of the Graft repository; the npm package ships without it)', cause: e });
  }
}

/** The 77 intent names in `categories.json` order. */
export async function banking77Categories(): Promise<string[]> {
  const path = dataPath('banking77', 'categories.json');
  const parsed = JSON.parse(await readText(path)) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((c) => typeof c === 'string')) {
    throw new FormatError('bad_categories', `${path}: expected a JSON list of intent names`, { hint: 're-copy the file' });
  }
  return parsed as string[];
}

/** Load BANKING77 queries with their intents. */
export async function loadBanking77(options: LoadBanking77Options = {}): Promise<LabelledTexts> {
  const split = options.split ?? 'train';
  const path = dataPath('banking77', `${split}.csv`);
  const rows = parseCsvObjects(await readText(path), path);
  const all = await banking77Categories();
  const classNames = options.categories ? [...options.categories] : all;
  const known = new Set(all);
  for (const c of classNames) {
    if (!known.has(c)) {
      throw new InvalidArgumentError('unknown_category', `"${c}" is not a BANKING77 intent`, {
        hint: 'see data/banking77/categories.json for the 77 names',
        details: { category: c },
      });
    }
  }
  const labelOf = new Map(classNames.map((c, i) => [c, i] as const));
  const order = options.seed === undefined ? rows.map((_, i) => i) : Array.from(shuffledIndices(rows.length, options.seed));
  const texts: string[] = [];
  const labels: number[] = [];
  const perClass = new Map<number, number>();
  for (const i of order) {
    const r = rows[i]!;
    if (r.text === undefined || r.category === undefined) {
      throw new FormatError('bad_banking77_csv', `${path}: expected columns text,category`, { hint: 're-copy the file' });
    }
    const l = labelOf.get(r.category);
    if (l === undefined) continue;
    if (options.perClass !== undefined) {
      const k = perClass.get(l) ?? 0;
      if (k >= options.perClass) continue;
      perClass.set(l, k + 1);
    }
    texts.push(r.text);
    labels.push(l);
    if (options.limit !== undefined && texts.length >= options.limit) break;
  }
  return { texts, labels: Int32Array.from(labels), classNames };
}

/** Turn labelled texts into an ExampleSet of padded token ids `[n, maxLength]` with lengths. */
export function textExampleSet(data: LabelledTexts, vocab: Vocabulary, maxLength: number, options: { padding?: 'pre' | 'post' } = {}): ExampleSet {
  const enc = vocab.encode(data.texts, maxLength, options);
  return {
    x: enc.ids,
    exampleShape: [maxLength],
    lengths: enc.lengths,
    labels: Int32Array.from(data.labels),
    classNames: [...data.classNames],
    count: data.texts.length,
  };
}
