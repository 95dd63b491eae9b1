// "Frozen means frozen" on real MNIST: train only inference/conv of a small CNN for 100 steps
// and every other variable keeps its exact bytes (and gets no optimizer slots); then the reverse.
// Also: the same seed and data order give bit-identical weights (determinism).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { AdamOptimizer } from '../../src/train/optimizers.js';
import { createGlobalStep } from '../../src/train/global-step.js';
import { trainStep } from '../../src/train/train-step.js';
import { setupBackend, loadMnist, permutation, batch, buildSmallCnn, cnnLoss, bytesOf, type MnistSlice } from './helpers.js';

let data: MnistSlice;
let backend = '';
const STEPS = 100;
const BATCH = 8;

before(async () => {
  backend = await setupBackend();
  data = loadMnist('train10k', 1600);
});

function train(scopeOptions: { scopes?: string[]; exclude?: string[] }, seed: number, steps = STEPS): {
  params: ReturnType<typeof buildSmallCnn>;
  before: Map<string, Uint8Array>;
  opt: AdamOptimizer;
  losses: number[];
} {
  const params = buildSmallCnn(seed);
  const before = new Map(params.toArray().map((p) => [p.name, bytesOf(p.variable)]));
  const gs = createGlobalStep();
  const opt = new AdamOptimizer(params, { learningRate: 0.005 });
  const order = permutation(data.count, 42);
  const varList = scopeOptions.exclude ? params.select({ exclude: scopeOptions.exclude }) : undefined;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { x, y } = batch(data, order, s, BATCH);
    const r = trainStep(opt, () => cnnLoss(params, x, y), { globalStep: gs.variable, ...(varList ? { varList } : {}), ...(scopeOptions.scopes ? { scopes: scopeOptions.scopes } : {}) });
    losses.push(r.loss);
    x.dispose();
    y.dispose();
  }
  assert.equal(gs.variable.dataSync()[0], steps);
  return { params, before, opt, losses };
}

test(`train only inference/conv for ${STEPS} steps on MNIST: every other variable is bit-identical`, (t) => {
  const { params, before, opt, losses } = train({ scopes: ['inference/conv'] }, 1);
  t.diagnostic(`backend ${backend}; loss ${losses[0]!.toFixed(3)} -> ${losses.slice(-10).reduce((a, b) => a + b, 0) / 10}`);
  for (const p of params) {
    const same = Buffer.compare(Buffer.from(before.get(p.name)!), Buffer.from(bytesOf(p.variable))) === 0;
    if (p.name.startsWith('inference/conv/')) assert.ok(!same, `${p.name} was trained`);
    else assert.ok(same, `${p.name} must be unchanged`);
  }
  const slotOwners = new Set(opt.variables().names().filter((n) => n.includes('/Adam')).map((n) => n.replace(/\/Adam(_1)?$/, '')));
  assert.deepEqual([...slotOwners].sort(), ['inference/conv/conv1/biases', 'inference/conv/conv1/weights', 'inference/conv/conv2/biases', 'inference/conv/conv2/weights']);
  assert.ok(losses.slice(-10).reduce((a, b) => a + b, 0) / 10 < losses[0]!, 'the conv layers learned something');
});

test(`the reverse: train everything except inference/conv; the conv variables are bit-identical`, () => {
  const { params, before, opt } = train({ exclude: ['inference/conv'] }, 1);
  for (const p of params) {
    const same = Buffer.compare(Buffer.from(before.get(p.name)!), Buffer.from(bytesOf(p.variable))) === 0;
    if (p.name.startsWith('inference/conv/')) assert.ok(same, `${p.name} must be unchanged`);
    else assert.ok(!same, `${p.name} was trained`);
  }
  assert.ok(opt.variables().names().every((n) => !n.startsWith('inference/conv/')), 'no slots for the frozen scope');
});

test('determinism: same seed and data order give bit-identical weights, slots and losses', () => {
  const a = train({}, 7, 30);
  const b = train({}, 7, 30);
  for (const p of a.params) assert.deepEqual(bytesOf(p.variable), bytesOf(b.params.require(p.name).variable), p.name);
  for (const p of a.opt.variables()) assert.deepEqual(bytesOf(p.variable), bytesOf(b.opt.variables().require(p.name).variable), p.name);
  assert.deepEqual(a.losses, b.losses);
  const c = train({}, 8, 1);
  assert.notDeepEqual(bytesOf(c.params.require('inference/logits/weights').variable), bytesOf(a.params.require('inference/logits/weights').variable), 'another seed differs');
});
