// docs/design/TF-SEMANTICS.md §2: GraphKeys strings, get_collection (order, copy, start-anchored regex on the
// `:0` name, items without names skipped), slim's get_variables / get_variables_to_restore /
// filter_variables, and the regex-vs-`/`-boundary difference with Graft's own selection.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import {
  VariableStore, GraphKeys, getVariables, getModelVariables, getVariablesByName, getVariablesToRestore,
  filterVariables, getUniqueVariable,
} from '../../src/variables/index.js';
import { InvalidArgumentError, ScopeError } from '../../src/errors.js';

before(async () => {
  await initBackend();
});

function build(): VariableStore {
  const s = new VariableStore({ seed: 1 });
  for (const scope of ['conv1', 'conv_2', 'xconv', 'axb', 'Logits', 'LogitsExtra']) {
    s.variableScope(scope, {}, () => {
      s.modelVariable('weights', { shape: [2, 2] });
      s.modelVariable('biases', { shape: [2] });
    });
  }
  s.variableScope('frozen', {}, () => s.getVariable('w', { shape: [1], trainable: false }));
  return s;
}

const names = (s: VariableStore, vs: tf.Variable[]): string[] => vs.map((v) => s.nameOf(v));

test('GraphKeys carry TF strings', () => {
  assert.deepEqual(
    [GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES, GraphKeys.MODEL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES,
      GraphKeys.SUMMARIES, GraphKeys.MOVING_AVERAGE_VARIABLES, GraphKeys.REGULARIZATION_LOSSES, GraphKeys.UPDATE_OPS, GraphKeys.LOSSES,
      GraphKeys.SAVERS, GraphKeys.SAVEABLE_OBJECTS, GraphKeys.GLOBAL_STEP, GraphKeys.TABLE_INITIALIZERS, GraphKeys.WHILE_CONTEXT],
    ['variables', 'local_variables', 'metric_variables', 'model_variables', 'trainable_variables', 'summaries', 'moving_average_variables',
      'regularization_losses', 'update_ops', 'losses', 'savers', 'saveable_objects', 'global_step', 'table_initializer', 'while_context'],
  );
});

test('get_collection: insertion order, a copy, trainable vs global, model variables', () => {
  const s = build();
  const all = s.globalVariables();
  assert.equal(all.length, 13);
  assert.deepEqual(names(s, all).slice(0, 3), ['conv1/weights', 'conv1/biases', 'conv_2/weights']);
  all.pop();
  assert.equal(s.globalVariables().length, 13, 'returned list is a copy');
  assert.equal(s.trainableVariables().length, 12);
  assert.equal(s.modelVariables().length, 12);
  assert.ok(!names(s, s.trainableVariables()).includes('frozen/w'));
  s.dispose();
});

test('scope filter is a regex matched at the start of the :0 name', () => {
  const s = build();
  assert.deepEqual(names(s, s.trainableVariables('conv')), ['conv1/weights', 'conv1/biases', 'conv_2/weights', 'conv_2/biases']);
  assert.deepEqual(names(s, s.globalVariables('a.b')), ['axb/weights', 'axb/biases'], '"." is a regex dot');
  assert.deepEqual(names(s, s.globalVariables('.*conv')), ['conv1/weights', 'conv1/biases', 'conv_2/weights', 'conv_2/biases', 'xconv/weights', 'xconv/biases']);
  assert.deepEqual(names(s, s.globalVariables('conv1/weights:0')), ['conv1/weights'], 'the name carries :0');
  assert.deepEqual(names(s, s.globalVariables('weights')), [], 'anchored at the start, not searched');
  assert.deepEqual(names(s, s.globalVariables('xconv|axb')), ['xconv/weights', 'xconv/biases', 'axb/weights', 'axb/biases'], 'each alternative anchored');
  assert.throws(() => s.globalVariables('conv['), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'invalid_scope_regex');
  s.dispose();
});

test('regex vs prefix: TF "Logits" also selects LogitsExtra; Graft /-boundary selection does not', () => {
  const s = build();
  assert.deepEqual(names(s, s.trainableVariables('Logits')), ['Logits/weights', 'Logits/biases', 'LogitsExtra/weights', 'LogitsExtra/biases']);
  assert.deepEqual(s.parameters({ include: ['Logits'] }).names(), ['Logits/weights', 'Logits/biases']);
  assert.deepEqual(s.parameters({ exclude: ['Logits'] }).names().filter((n) => n.startsWith('Logits')), ['LogitsExtra/weights', 'LogitsExtra/biases']);
  assert.deepEqual(names(s, getVariablesToRestore(s, { exclude: ['Logits'] })).filter((n) => n.startsWith('Logits')), [], 'slim exclusion drops both');
  s.dispose();
});

test('collections hold any value; unnamed items are skipped by scope filters; named functions match', () => {
  const s = new VariableStore();
  s.addToCollection('mine', 42);
  s.addToCollection('mine', 42);
  const op = Object.defineProperty(() => undefined, 'name', { value: 'tower/BatchNorm/AssignMovingAvg' });
  s.addToCollection(GraphKeys.UPDATE_OPS, op);
  assert.deepEqual(s.getCollection('mine'), [42, 42], 'duplicates kept, as TF');
  assert.deepEqual(s.getCollection('mine', '.*'), []);
  assert.deepEqual(s.getCollection(GraphKeys.UPDATE_OPS, 'tower'), [op]);
  assert.deepEqual(s.getCollection(GraphKeys.UPDATE_OPS, 'other'), []);
  assert.deepEqual(s.getCollection('never'), []);
});

test('explicit collections replace the default [variables]; trainable still adds trainable_variables', () => {
  const s = new VariableStore();
  const local = s.getVariable('counter', { shape: [], dtype: 'int32', trainable: false, collections: [GraphKeys.LOCAL_VARIABLES] });
  const custom = s.getVariable('w', { shape: [1], collections: ['mine'] });
  assert.deepEqual(s.globalVariables(), []);
  assert.deepEqual(s.localVariables(), [local]);
  assert.deepEqual(s.trainableVariables(), [custom]);
  assert.deepEqual(s.parameters().names(), [], 'parameters() lists global variables only');
  s.dispose();
});

test('slim get_variables: scope object, suffix, by name, model variables, unique', () => {
  const s = build();
  const scope = s.variableScope('conv1', { reuse: true }, (sc) => sc);
  assert.deepEqual(names(s, getVariables(s, { scope })), ['conv1/weights', 'conv1/biases']);
  assert.deepEqual(names(s, getVariables(s, { suffix: 'biases' })).length, 6);
  assert.deepEqual(names(s, getVariables(s, { scope: 'conv', suffix: 'weights' })), ['conv1/weights', 'conv_2/weights']);
  assert.deepEqual(names(s, getVariablesByName(s, 'w')), ['frozen/w']);
  assert.deepEqual(names(s, getModelVariables(s, { scope: 'axb' })), ['axb/weights', 'axb/biases']);
  assert.equal(s.nameOf(getUniqueVariable(s, 'conv1/weights')), 'conv1/weights');
  assert.throws(() => getUniqueVariable(s, 'nothing'), (e: unknown) => e instanceof ScopeError && e.message === "Couldn't find variable nothing");
  assert.throws(() => getUniqueVariable(s, 'conv'), (e: unknown) => e instanceof ScopeError && e.message === 'Variable conv does not uniquely identify a variable');
  s.dispose();
});

test('slim get_variables_to_restore: include concatenates (duplicates kept), exclude is a union, order kept', () => {
  const s = build();
  assert.equal(getVariablesToRestore(s).length, 13);
  assert.deepEqual(names(s, getVariablesToRestore(s, { include: ['conv1', 'conv'] })),
    ['conv1/weights', 'conv1/biases', 'conv1/weights', 'conv1/biases', 'conv_2/weights', 'conv_2/biases']);
  assert.deepEqual(names(s, getVariablesToRestore(s, { include: ['conv'], exclude: ['conv_', 'conv1/b'] })), ['conv1/weights']);
  assert.throws(() => getVariablesToRestore(s, { include: 'conv' as unknown as string[] }),
    (e: unknown) => e instanceof InvalidArgumentError && e.message === 'include is provided but is not a list or a tuple.');
  assert.throws(() => getVariablesToRestore(s, { exclude: 'conv' as unknown as string[] }),
    (e: unknown) => e instanceof InvalidArgumentError && e.message === 'exclude is provided but is not a list or a tuple.');
  s.dispose();
});

test('slim filter_variables: re.search by default, re.match with regSearch false', () => {
  const s = build();
  const all = s.globalVariables();
  assert.deepEqual(names(s, filterVariables(s, all, { includePatterns: ['conv'], excludePatterns: ['biases'] })), ['conv1/weights', 'conv_2/weights', 'xconv/weights']);
  // re.match applies to the exclude patterns too: 'biases' no longer matches anything.
  assert.deepEqual(names(s, filterVariables(s, all, { includePatterns: ['conv'], excludePatterns: ['biases'], regSearch: false })),
    ['conv1/weights', 'conv1/biases', 'conv_2/weights', 'conv_2/biases']);
  assert.deepEqual(names(s, filterVariables(s, all, { includePatterns: ['conv'], excludePatterns: ['.*biases'], regSearch: false })), ['conv1/weights', 'conv_2/weights']);
  s.dispose();
});

test('parameters(): names without :0, trainable flags from the collection, stable order, Graft selection', () => {
  const s = build();
  const p = s.parameters();
  assert.equal(p.size, 13);
  assert.equal(p.names()[0], 'conv1/weights');
  assert.equal(p.require('frozen/w').trainable, false);
  assert.equal(p.require('conv1/weights:0').trainable, true);
  assert.deepEqual(s.parameters({ include: ['conv1', 'axb'], exclude: ['axb/biases'] }).names(), ['conv1/weights', 'conv1/biases', 'axb/weights']);
  assert.deepEqual(s.parameters({ trainable: false }).names(), ['frozen/w']);
  s.dispose();
});
