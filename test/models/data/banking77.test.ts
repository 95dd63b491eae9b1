import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  banking77Categories, loadBanking77, parseCsv, parseCsvObjects, textExampleSet, tokenize, Vocabulary, OOV_ID, PAD_ID,
} from '../../../src/models/data/index.js';
import { GraftError } from '../../../src/errors.js';

test('parseCsv handles quoted commas, doubled quotes, newlines in quotes and CRLF', () => {
  const rows = parseCsv('a,b\r\n"x, y","say ""hi"""\n"two\nlines",z\n');
  assert.deepEqual(rows, [['a', 'b'], ['x, y', 'say "hi"'], ['two\nlines', 'z']]);
  assert.deepEqual(parseCsv('a,,\n'), [['a', '', '']]);
  assert.throws(() => parseCsv('"open,1\n', 'f.csv'), (e: unknown) => e instanceof GraftError && e.code === 'csv_unterminated_quote' && /f\.csv: line 1/.test(e.message));
  assert.throws(() => parseCsvObjects('a,b\n1,2,3\n', 'g.csv'), (e: unknown) => e instanceof GraftError && e.code === 'csv_field_count');
});

test('BANKING77 train and test load completely with 77 intents', async () => {
  const cats = await banking77Categories();
  assert.equal(cats.length, 77);
  const train = await loadBanking77({ split: 'train' });
  const test_ = await loadBanking77({ split: 'test' });
  assert.equal(train.texts.length, 10003);
  assert.equal(test_.texts.length, 3080);
  assert.equal(new Set(train.labels).size, 77);
  // a quoted row with a comma survives as one field
  assert.ok(train.texts.includes('How do I know if I will get my card, or if it is lost?'));
});

test('category filter labels in the given order; perClass and limit cap', async () => {
  const cats = ['pending_cash_withdrawal', 'card_arrival'];
  const d = await loadBanking77({ categories: cats, perClass: 5, seed: 3 });
  assert.equal(d.texts.length, 10);
  assert.deepEqual(d.classNames, cats);
  assert.deepEqual([...d.labels].sort(), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  await assert.rejects(loadBanking77({ categories: ['no_such_intent'] }), (e: unknown) => e instanceof GraftError && e.code === 'unknown_category');
});

test('tokenizer, vocabulary cap, OOV and padding with lengths', async () => {
  assert.deepEqual(tokenize("I've lost my card, help!"), ["i've", 'lost', 'my', 'card', ',', 'help', '!']);
  const v = Vocabulary.build(['the card the card the', 'a pin'], { maxSize: 4 });
  assert.deepEqual(v.tokens, ['<pad>', '<unk>', 'the', 'card']);
  const enc = v.encode(['the pin card the the the', ''], 4);
  assert.deepEqual([...enc.ids], [2, OOV_ID, 3, 2, OOV_ID, PAD_ID, PAD_ID, PAD_ID]);
  assert.deepEqual([...enc.lengths], [4, 1]);
  const pre = v.encode(['card the', ''], 4, { padding: 'pre' });
  assert.deepEqual([...pre.ids], [PAD_ID, PAD_ID, 3, 2, PAD_ID, PAD_ID, PAD_ID, OOV_ID]);
  const d = await loadBanking77({ limit: 50, seed: 1 });
  const vocab = Vocabulary.build(d.texts, { maxSize: 300 });
  const set = textExampleSet(d, vocab, 16);
  assert.equal(set.count, 50);
  assert.deepEqual(set.exampleShape, [16]);
  assert.ok(set.lengths!.every((l) => l >= 1 && l <= 16));
});
