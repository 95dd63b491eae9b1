// Partitioners and PartitionedVariable against TF's own tests:
// - tensorflow/python/kernel_tests/partitioned_variables_test.py (testVariableAxisSizePartitioner,
//   testMinMaxVariablePartitioner, testFixedSizePartitionerInt64, testRandomInitUnevenPartitions save specs);
// - tensorflow/python/kernel_tests/variable_scope_test.py VariableScopeWithPartitioningTest;
// - tensorflow/python/ops/embedding_ops.py `embedding_lookup` partition strategies 'mod' / 'div'.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import {
  VariableStore, AUTO_REUSE, GraphKeys, fixedSizePartitioner, minMaxVariablePartitioner, variableAxisSizePartitioner,
  PartitionedVariable, embeddingLookupPartitioned, saveSliceSpec, saveSliceInfoOf, l2Regularizer, type Partitioner,
} from '../../src/variables/index.js';
import { iterSlices } from '../../src/variables/partitioners.js';
import { ScopeError } from '../../src/errors.js';

before(async () => {
  await initBackend();
});

function throwsScope(fn: () => unknown, code: string, message: RegExp | string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ScopeError, `expected ScopeError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const axis0Into2: Partitioner = (shape) => shape.map((_, i) => (i === 0 ? 2 : 1));
const axis0Into3: Partitioner = (shape) => shape.map((_, i) => (i === 0 ? 3 : 1));
const axis0Into1: Partitioner = (shape) => shape.map(() => 1);

test('testVariableAxisSizePartitioner: (4, 8, 16, 32) float32 → 1, 1, 2, 32, 32, 32, 2 shards; strings at 8 bytes → 4', () => {
  const cases: [string, number, number, number[], number?][] = [
    ['v0', 0, 131072, [1, 1, 1, 1]],
    ['v1', 1, 65536, [1, 1, 1, 1]],
    ['v2', 2, 32768, [1, 1, 2, 1]],
    ['v3a', 3, 2048, [1, 1, 1, 32]],
    ['v3b', 3, 1024, [1, 1, 1, 32]],
    ['v3c', 3, 1024, [1, 1, 1, 32], 33],
    ['v3d', 3, 1024, [1, 1, 1, 2], 2],
  ];
  const s = new VariableStore();
  for (const [name, axis, maxShardBytes, expected, maxShards] of cases) {
    const partitioner = variableAxisSizePartitioner(maxShardBytes, { axis, maxShards });
    const v = s.variableScope('root', { partitioner }, () => s.getVariable<PartitionedVariable>(name, { shape: [4, 8, 16, 32] }));
    assert.deepEqual(v.partitions, expected, name);
    assert.equal(v.length, Math.max(...expected), name);
  }
  assert.deepEqual(variableAxisSizePartitioner(32768, { axis: 3, bytesPerStringElement: 8 })([4, 8, 16, 32], 'string'), [1, 1, 1, 4]);
  assert.throws(() => variableAxisSizePartitioner(0), /Both max_shard_bytes and bytes_per_string_element must be positive\./);
  assert.throws(() => variableAxisSizePartitioner(10, { axis: -1 }), /axis must be non-negative/);
  assert.throws(() => variableAxisSizePartitioner(10, { maxShards: 0 }), /max_shards must be positive\./);
});

test('testMinMaxVariablePartitioner: TF\'s nine cases', () => {
  const cases: [number, number, number, number[], number[]][] = [
    [100, 0, 2 << 10, [2048], [4]],
    [100, 0, 256 << 10, [2048, 1024], [32, 1]],
    [16, 0, 256 << 10, [2048, 1024], [16, 1]],
    [1, 0, 256 << 10, [2048, 1024], [1, 1]],
    [100, 0, 128 << 10, [2048, 1024], [64, 1]],
    [100, 0, 512 << 10, [2048, 1024], [16, 1]],
    [100, 1, 256 << 10, [64, 1024, 1, 3], [1, 3, 1, 1]],
    [100, 3, 256 << 10, [64, 1024, 1, 3], [1, 1, 1, 3]],
    [100, 0, 256 << 10, [16, 128, 1024], [16, 1, 1]],
    [100, 0, 256 << 10, [4, 512, 1024], [4, 1, 1]],
  ];
  for (const [maxPartitions, axis, minSliceSize, shape, expected] of cases) {
    assert.deepEqual(minMaxVariablePartitioner({ maxPartitions, axis, minSliceSize })(shape, 'float32'), expected, `${shape} axis ${axis}`);
  }
  // one real variable through getVariable: the first case
  const s = new VariableStore();
  const v = s.variableScope('root', { partitioner: minMaxVariablePartitioner({ maxPartitions: 100, minSliceSize: 2 << 10 }) }, () => s.getVariable<PartitionedVariable>('v0_0', { shape: [2048] }));
  assert.equal(v.length, 4);
  assert.throws(() => minMaxVariablePartitioner({ axis: 2 })([3, 4], 'float32'), /Can not partition variable along axis 2 when shape is only \(3, 4\)/);
});

test('testFixedSizePartitionerInt64 and (10, 10) into 5; fixed size is capped by the dimension', () => {
  const s = new VariableStore();
  const v = s.variableScope('root', { partitioner: fixedSizePartitioner(4) }, () => s.getVariable<PartitionedVariable>('v0', { dtype: 'int64', shape: [20] }));
  assert.equal(v.length, 4);
  assert.ok(v.variables.every((p) => s.isInt64(p)));
  const w = s.variableScope('root', { partitioner: fixedSizePartitioner(5) }, () => s.getVariable<PartitionedVariable>('v1', { shape: [10, 10] }));
  assert.deepEqual(w.partitions, [5, 1]);
  assert.deepEqual(fixedSizePartitioner(8)([3, 2], 'float32'), [3, 1]);
});

test('testRandomInitUnevenPartitions save specs: [20, 43] in 1..5 parts along axis 1', () => {
  const expected = [
    ['20 43 0,20:0,43'],
    ['20 43 0,20:0,22', '20 43 0,20:22,21'],
    ['20 43 0,20:0,15', '20 43 0,20:15,14', '20 43 0,20:29,14'],
    ['20 43 0,20:0,11', '20 43 0,20:11,11', '20 43 0,20:22,11', '20 43 0,20:33,10'],
    ['20 43 0,20:0,9', '20 43 0,20:9,9', '20 43 0,20:18,9', '20 43 0,20:27,8', '20 43 0,20:35,8'],
  ];
  const s = new VariableStore({ seed: 2 });
  const full = tf.randomUniform([20, 43], 0, 1, 'float32', 9);
  expected.forEach((specs, i) => {
    const n = i + 1;
    const pv = s.getVariable(`rnd${n}`, { initializer: full, partitioner: fixedSizePartitioner(n, 1) });
    assert.deepEqual(pv.variables.map((v) => saveSliceSpec(saveSliceInfoOf(v)!)), specs);
    assert.deepEqual(iterSlices([20, 43], n, 1).map((sl) => sl.shape[1]), specs.map((sp) => Number(sp.split(',').pop())));
    const back = pv.asTensor();
    assert.equal(tf.max(tf.abs(tf.sub(back, full))).dataSync()[0], 0, 'the parts tile the initial value');
    back.dispose();
  });
});

test('testResultNameMatchesRequested / testPartitionConcatenatesAlongCorrectAxis: part names, shapes, collections', () => {
  const s = new VariableStore();
  const v = s.variableScope('scope0', { partitioner: axis0Into2 }, () => s.getVariable<PartitionedVariable>('name0', { shape: [3, 1, 1] }));
  assert.equal(v.name, 'scope0/name0');
  const names = s.globalVariables().map((x) => s.displayNameOf(x));
  assert.ok(names.includes('scope0/name0/part_0:0') && names.includes('scope0/name0/part_1:0') && !names.includes('scope0/name0/part_2:0'));
  assert.deepEqual(v.variables.map((p) => p.shape), [[2, 1, 1], [1, 1, 1]]);
  assert.deepEqual(s.trainableVariables('scope0').length, 2);
  const n1 = s.variableScope('root', {}, () => s.getVariable<PartitionedVariable>('n1', { shape: [2, 2, 2], partitioner: () => [1, 2, 1] }));
  assert.deepEqual(n1.variables.map((p) => p.shape), [[2, 1, 2], [2, 1, 2]]);
  assert.deepEqual(n1.asTensor().shape, [2, 2, 2]);
  assert.deepEqual(s.parameters().names().filter((n) => n.startsWith('root/')), ['root/n1/part_0', 'root/n1/part_1']);
});

test('variable_scope_test partitioning: reuse returns the same object, reuse without partitioner, scalar ignores it, errors as TF', () => {
  const s = new VariableStore();
  const v = s.variableScope('scope0', { partitioner: axis0Into2 }, (sc) => {
    const a = s.getVariable('name0', { shape: [3, 1, 1] });
    sc.reuseVariables();
    assert.equal(s.getVariable('name0', { shape: [3, 1, 1] }), a, 'testReturnsExistingConcatenatedValueIfReuse');
    return a;
  });
  assert.equal(s.variableScope('scope0', { reuse: true }, () => s.getVariable('name0')), v, 'testAllowsReuseWithoutPartitioner');
  throwsScope(() => s.variableScope('scope0', { partitioner: axis0Into3, reuse: true }, () => s.getVariable('name0', { shape: [3, 1, 1] })),
    'partitions_mismatch', 'Trying to reuse partitioned variable scope0/name0, but specified partitions [3, 1, 1] and found partitions [2, 1, 1].');
  throwsScope(() => s.variableScope('scope0', { partitioner: axis0Into1, reuse: true }, () => s.getVariable('name0', { shape: [3, 1, 1] })),
    'partitions_mismatch', /^Trying to reuse partitioned variable scope0\/name0, but specified partitions \[1, 1, 1\]/);
  throwsScope(() => s.variableScope('scope0', { partitioner: axis0Into2 }, () => s.getVariable('name0', { shape: [3, 1, 1] })),
    'variable_exists', 'Partitioned variable with name scope0/name0 already exists. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?');
  throwsScope(() => s.variableScope('scope0', { partitioner: axis0Into2, reuse: AUTO_REUSE }, () => s.getVariable('name0', { shape: [4, 1, 1] })),
    'shape_mismatch', 'Trying to reuse partitioned variable scope0/name0, but specified shape (4, 1, 1) and found shape (3, 1, 1).');
  throwsScope(() => s.variableScope('scope0', {}, () => s.getVariable('name0', { shape: [3, 1, 1] })),
    'partitioned_variable_exists', 'No partitioner was provided, but a partitioned version of the variable was found: scope0/name0/part_0. Perhaps a variable of the same name was already created with partitioning?');
  throwsScope(() => s.variableScope('nope', { reuse: true, partitioner: axis0Into2 }, () => s.getVariable('x', { shape: [3] })),
    'variable_not_found', 'PartitionedVariable nope/x does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=False or reuse=tf.AUTO_REUSE in VarScope?');
  s.getVariable('plain', { shape: [4] });
  throwsScope(() => s.getVariable('plain', { shape: [4], partitioner: axis0Into2, reuse: AUTO_REUSE }),
    'unpartitioned_variable_exists', 'A partitioner was provided, but an unpartitioned version of the variable was found: plain. Perhaps a variable of the same name was already created without partitioning?');
  // testScalarIgnoresPartitioner
  const scalarVar = s.variableScope('scope1', { partitioner: axis0Into2 }, () => s.getVariable('name0', { shape: [] }));
  assert.ok(scalarVar instanceof tf.Variable);
  assert.equal(s.nameOf(scalarVar), 'scope1/name0');
  // testPropagatePartitionerOnReopening
  s.variableScope('scope2', { partitioner: axis0Into2 }, (vs) => {
    assert.equal(vs.partitioner, axis0Into2);
    s.variableScope(vs, {}, (vs1) => assert.equal(vs1.partitioner, axis0Into2));
  });
  throwsScope(() => s.getVariable('bad', { shape: [4, 4], partitioner: () => [2, 2] }), 'bad_partitions', 'Can only slice a variable along one dimension: shape: (4, 4), partitioning: [2, 2]');
  throwsScope(() => s.getVariable('bad2', { shape: [4, 4], partitioner: () => [2] }), 'bad_partitions', "Partitioner returned a partition list that does not match the Variable's rank: [2] vs. (4, 4)");
  throwsScope(() => s.getVariable('bad3', { shape: [4], partitioner: () => [0] }), 'bad_partitions', 'Partitioner returned zero partitions for some axes: [0]');
  throwsScope(() => s.getVariable('bad5', { shape: [3], partitioner: () => [1e9] }), 'bad_partitions', 'Partitioner returned 1000000000 partitions for axis 0 of size 3');
  throwsScope(() => s.getVariable('bad6', { shape: [3], partitioner: fixedSizePartitioner(Number.NaN) }), 'bad_partitions', 'Partitioner returned zero partitions for some axes: [NaN]');
  throwsScope(() => s.getVariable('bad4', { partitioner: axis0Into2 }), 'shape_not_fully_defined', 'Shape of a new partitioned variable must be fully defined, but instead was <unknown>.');
});

test('partitioned initial values: glorot drawn once for the full shape, so the parts equal the unpartitioned variable of the same seed', () => {
  const a = new VariableStore({ seed: 5 });
  const b = new VariableStore({ seed: 5 });
  const pv = a.getVariable('emb', { shape: [10, 4], partitioner: fixedSizePartitioner(3) });
  const whole = b.getVariable('emb', { shape: [10, 4] });
  assert.deepEqual(Array.from(pv.asTensor().dataSync()), Array.from(whole.dataSync()));
  assert.deepEqual(pv.variables.map((p) => p.shape[0]), [4, 3, 3]);
});

test('a regularizer on a partitioned variable adds one loss per part (TF regularizes each part variable)', () => {
  const s = new VariableStore({ seed: 1 });
  const pv = s.getVariable('w', { shape: [5, 2], partitioner: fixedSizePartitioner(2), regularizer: l2Regularizer(1) });
  const names = s.getCollection<{ name: string }>(GraphKeys.REGULARIZATION_LOSSES).map((i) => i.name);
  assert.deepEqual(names, ['w/part_0/Regularizer/l2_regularizer:0', 'w/part_1/Regularizer/l2_regularizer:0']);
  const total = s.getRegularizationLoss().dataSync()[0]!;
  const full = pv.asTensor();
  assert.ok(Math.abs(total - tf.sum(tf.square(full)).dataSync()[0]! / 2) < 1e-5);
});

test("embedding_lookup over parts: 'div' equals gather on asTensor, 'mod' reads row id//n of part id%n; gradients reach the parts", () => {
  const s = new VariableStore({ seed: 4 });
  const table = tf.reshape(tf.range(0, 7 * 3, 1, 'float32'), [7, 3]);
  const pv = s.getVariable('emb', { initializer: table, partitioner: fixedSizePartitioner(3) });
  assert.deepEqual(pv.variables.map((p) => p.shape[0]), [3, 2, 2]);
  const ids = tf.tensor2d([[0, 6, 3], [2, 2, 5]], undefined, 'int32');
  const div = embeddingLookupPartitioned(pv, ids, { partitionStrategy: 'div' });
  assert.deepEqual(div.shape, [2, 3, 3]);
  assert.deepEqual(Array.from(div.dataSync()), Array.from(tf.gather(table, ids).dataSync()));
  // 'mod': the logical row of id i is part (i % 3), row floor(i / 3) — rows of the concatenated parts
  const concatRow = (id: number): number => {
    const p = id % 3;
    const offsets = [0, 3, 5];
    return offsets[p]! + Math.floor(id / 3);
  };
  const mod = embeddingLookupPartitioned(pv, ids);
  const modIds = tf.tensor2d([[0, 6, 3], [2, 2, 5]].map((r) => r.map(concatRow)), undefined, 'int32');
  assert.deepEqual(Array.from(mod.dataSync()), Array.from(tf.gather(table, modIds).dataSync()));
  // gradient: only the rows looked up (and only the parts holding them)
  const { grads } = tf.variableGrads(() => tf.sum(embeddingLookupPartitioned(pv, tf.tensor1d([4], 'int32'), { partitionStrategy: 'div' })) as tf.Scalar, pv.variables);
  assert.deepEqual(Array.from(grads[pv.variables[1]!.name]!.dataSync()), [0, 0, 0, 1, 1, 1]);
  const g0 = grads[pv.variables[0]!.name];
  assert.ok(g0 == null || tf.sum(g0).dataSync()[0] === 0, 'part 0 holds no looked-up row');
  assert.throws(() => embeddingLookupPartitioned(pv, tf.tensor1d([7], 'int32')), /id 7 at position 0 is outside \[0, 7\) of emb/);
});
