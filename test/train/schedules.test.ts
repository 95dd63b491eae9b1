// Every schedule against values written out from TF's formulas (learning_rate_decay.py), in
// double precision; Graft computes in float32 like TF, so each value must lie within 2 ulps of
// float32(the exact value) (TF itself rounds once per op; pow/exp/cos may differ by 1 ulp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  exponentialDecay,
  naturalExpDecay,
  inverseTimeDecay,
  polynomialDecay,
  piecewiseConstant,
  cosineDecay,
  cosineDecayRestarts,
  linearWarmup,
  linearCosineDecay,
  noisyLinearCosineDecay,
  learningRateAt,
} from '../../src/train/schedules.js';
import { GraftError } from '../../src/errors.js';

const bits = (x: number): number => new Int32Array(new Float32Array([x]).buffer)[0]!;
function ulps(a: number, b: number): number {
  return Math.abs(bits(a) - bits(b));
}
function near(actual: number, exact: number, what: string, maxUlps = 2): void {
  const e = Math.fround(exact);
  assert.ok(ulps(actual, e) <= maxUlps, `${what}: got ${actual}, TF formula gives ${exact} (float32 ${e}), ${ulps(actual, e)} ulps apart`);
}

test('exponential_decay: continuous and staircase, boundaries exactly at multiples of decay_steps', () => {
  const cont = exponentialDecay(0.1, { decaySteps: 100, decayRate: 0.96 });
  const stair = exponentialDecay(0.1, { decaySteps: 100, decayRate: 0.96, staircase: true });
  const table: [number, number, number][] = [
    // step, continuous 0.1*0.96^(s/100), staircase 0.1*0.96^floor(s/100)
    [0, 0.1, 0.1],
    [50, 0.1 * Math.pow(0.96, 0.5), 0.1],
    [99, 0.1 * Math.pow(0.96, 0.99), 0.1],
    [100, 0.096, 0.096],
    [101, 0.1 * Math.pow(0.96, 1.01), 0.096],
    [199, 0.1 * Math.pow(0.96, 1.99), 0.096],
    [200, 0.1 * 0.96 * 0.96, 0.1 * 0.96 * 0.96],
    [1000, 0.1 * Math.pow(0.96, 10), 0.1 * Math.pow(0.96, 10)],
  ];
  for (const [s, c, st] of table) {
    near(cont(s), c, `continuous step ${s}`);
    near(stair(s), st, `staircase step ${s}`);
  }
  assert.equal(stair(99), stair(0), 'no decay before the first boundary');
  assert.notEqual(stair(100), stair(99), 'the rate changes exactly at step 100');
  assert.equal(stair(199), stair(100));
});

test('natural_exp_decay and inverse_time_decay', () => {
  const ne = naturalExpDecay(0.5, { decaySteps: 10, decayRate: 0.3 });
  const neS = naturalExpDecay(0.5, { decaySteps: 10, decayRate: 0.3, staircase: true });
  const it = inverseTimeDecay(0.5, { decaySteps: 10, decayRate: 0.3 });
  const itS = inverseTimeDecay(0.5, { decaySteps: 10, decayRate: 0.3, staircase: true });
  for (const s of [0, 1, 5, 9, 10, 15, 37, 100]) {
    near(ne(s), 0.5 * Math.exp(-0.3 * (s / 10)), `natural_exp ${s}`);
    near(neS(s), 0.5 * Math.exp(-0.3 * Math.floor(s / 10)), `natural_exp staircase ${s}`);
    near(it(s), 0.5 / (1 + 0.3 * (s / 10)), `inverse_time ${s}`);
    near(itS(s), 0.5 / (1 + 0.3 * Math.floor(s / 10)), `inverse_time staircase ${s}`);
  }
});

test('polynomial_decay: clamped without cycle, decay_steps * ceil(step/decay_steps) with cycle', () => {
  const lin = polynomialDecay(0.1, { decaySteps: 100, endLearningRate: 0.01 });
  const sq = polynomialDecay(0.1, { decaySteps: 100, endLearningRate: 0.01, power: 0.5 });
  const cyc = polynomialDecay(0.1, { decaySteps: 100, endLearningRate: 0.01, cycle: true });
  const table: [number, number, number, number][] = [
    // step, linear, power 0.5, cycle (linear)
    [0, 0.1, 0.1, 0.1],
    [25, 0.09 * 0.75 + 0.01, 0.09 * Math.sqrt(0.75) + 0.01, 0.09 * 0.75 + 0.01],
    [100, 0.01, 0.01, 0.01],
    [101, 0.01, 0.01, 0.09 * (1 - 101 / 200) + 0.01],
    [150, 0.01, 0.01, 0.09 * 0.25 + 0.01],
    [200, 0.01, 0.01, 0.01],
    [201, 0.01, 0.01, 0.09 * (1 - 201 / 300) + 0.01],
  ];
  for (const [s, l, q, c] of table) {
    near(lin(s), l, `linear ${s}`);
    near(sq(s), q, `power 0.5 ${s}`);
    near(cyc(s), c, `cycle ${s}`);
  }
  // TF's default end rate is 0.0001.
  near(polynomialDecay(1, { decaySteps: 10 })(10), 0.0001, 'default end_learning_rate');
});

test('piecewise_constant: values[i] for b[i-1] < x <= b[i]', () => {
  const pc = piecewiseConstant([100, 200], [1.0, 0.5, 0.1]);
  const table: [number, number][] = [
    [0, 1.0],
    [100, 1.0],
    [101, 0.5],
    [200, 0.5],
    [201, 0.1],
    [10_000, 0.1],
  ];
  for (const [s, v] of table) assert.equal(pc(s), Math.fround(v), `step ${s}`);
  assert.throws(
    () => piecewiseConstant([1, 2], [1]),
    (e: unknown) => e instanceof GraftError && e.code === 'invalid_schedule' && /The length of boundaries should be 1 less than the length of values/.test(e.message),
  );
});

/**
 * For cosines, `1 + cos(pi * f)` cancels near f = 1, so float32 rounding of `pi * f` (which TF
 * does too) is amplified relative to the result: compare to within a few float32 ulps of 1.0,
 * scaled by the learning rate.
 */
function nearAbs(actual: number, exact: number, scale: number, what: string): void {
  const tol = 4 * 2 ** -23 * scale;
  assert.ok(Math.abs(actual - exact) <= tol, `${what}: got ${actual}, TF formula gives ${exact}, |diff| ${Math.abs(actual - exact)} > ${tol}`);
}

test('cosine_decay with alpha', () => {
  const cd = cosineDecay(0.1, { decaySteps: 1000, alpha: 0.1 });
  for (const s of [0, 1, 250, 500, 999, 1000, 1500]) {
    const c = Math.min(s, 1000);
    const cosd = 0.5 * (1 + Math.cos((Math.PI * c) / 1000));
    nearAbs(cd(s), 0.1 * ((1 - 0.1) * cosd + 0.1), 0.1, `cosine ${s}`);
  }
  near(cd(1000), 0.01, 'decays to alpha * lr');
});

test('cosine_decay_restarts: geometric periods (t_mul=2), m_mul, and t_mul=1', () => {
  const r = cosineDecayRestarts(1.0, { firstDecaySteps: 10, tMul: 2, mMul: 0.5, alpha: 0 });
  // periods: [0,10) i=0, [10,30) i=1, [30,70) i=2
  const exact = (s: number): number => {
    let start = 0;
    let len = 10;
    let i = 0;
    while (s >= start + len) {
      start += len;
      len *= 2;
      i++;
    }
    const frac = (s - start) / len;
    return Math.pow(0.5, i) * 0.5 * (1 + Math.cos(Math.PI * frac));
  };
  for (const s of [0, 5, 9, 10, 20, 29, 30, 50, 69, 70]) nearAbs(r(s), exact(s), 1, `sgdr ${s}`);
  near(r(10), 0.5, 'restart at 10 with m_mul 0.5');
  const flat = cosineDecayRestarts(2.0, { firstDecaySteps: 10, tMul: 1, alpha: 0.1 });
  for (const s of [0, 3, 10, 13, 25]) {
    const frac = (s % 10) / 10;
    nearAbs(flat(s), 2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * frac)) + 0.1), 2, `t_mul=1 ${s}`);
  }
});

test('linear warm-up in front of a schedule, and constants', () => {
  const base = exponentialDecay(0.1, { decaySteps: 100, decayRate: 0.5, staircase: true });
  const w = linearWarmup(base, { warmupSteps: 10 });
  near(w(0), 0, 'warm-up starts at 0');
  near(w(5), 0.05, 'half way');
  assert.equal(w(10), base(10));
  assert.equal(w(150), base(150));
  assert.equal(learningRateAt(0.1, 7), Math.fround(0.1));
  assert.throws(() => exponentialDecay(0.1, { decaySteps: 0, decayRate: 0.5 }), (e: unknown) => e instanceof GraftError && e.code === 'invalid_schedule');
});

test('results below the float32 normal range flush to zero, as TF on CPU', () => {
  const e = exponentialDecay(0.1, { decaySteps: 1, decayRate: 0.5 });
  assert.ok(e(100) > 0);
  assert.equal(e(130), 0, '0.1 * 2^-130 is denormal in IEEE; TF flushes it');
});

// learning_rate_decay_test.py LinearCosineDecayTest (and keras learning_rate_schedule_test.py
// LinearCosineDecayTestV2): np_linear_cosine_decay in double, steps range(0, 1500, 250), 1000
// training steps, lr 1.0, assertAllClose(…, 1e-6); testNonDefaultDecay: alpha=0.1, beta=1e-4, num_periods=5.
function npLinearCosineDecay(step: number, decaySteps: number, alpha = 0.0, beta = 0.001, numPeriods = 0.5): number {
  step = Math.min(step, decaySteps);
  const linearDecayed = (decaySteps - step) / decaySteps;
  const fraction = (2.0 * numPeriods * step) / decaySteps;
  const cosineDecayed = 0.5 * (1.0 + Math.cos(Math.PI * fraction));
  return (alpha + linearDecayed) * cosineDecayed + beta;
}

test('linear_cosine_decay: TF LinearCosineDecayTest testDefaultDecay / testNonDefaultDecay values', () => {
  const def = linearCosineDecay(1.0, { decaySteps: 1000 });
  const non = linearCosineDecay(1.0, { decaySteps: 1000, alpha: 0.1, beta: 1e-4, numPeriods: 5 });
  for (let step = 0; step < 1500; step += 250) {
    const e1 = npLinearCosineDecay(step, 1000);
    const e2 = npLinearCosineDecay(step, 1000, 0.1, 1e-4, 5);
    assert.ok(Math.abs(def(step) - e1) <= 1e-6 + 1e-6 * Math.abs(e1), `default step ${step}: ${def(step)} vs ${e1}`);
    assert.ok(Math.abs(non(step) - e2) <= 1e-6 + 1e-6 * Math.abs(e2), `non-default step ${step}: ${non(step)} vs ${e2}`);
  }
  near(def(250), 0.75 * 0.5 * (1 + Math.SQRT1_2) + 0.001, 'step 250 by hand', 4);
  assert.equal(def(1000), Math.fround(0.001), 'at and after decay_steps: beta * lr');
  assert.equal(def(5000), Math.fround(0.001));
  assert.throws(() => linearCosineDecay(1, { decaySteps: 0 }), (e: unknown) => e instanceof GraftError && e.code === 'invalid_schedule');
});

// learning_rate_decay_test.py NoisyLinearCosineDecayTest only evaluates (noise: "Cannot be
// deterministically tested"); here: TF's formula around the noise, the noise's std
// sqrt(initial_variance / (1 + s)^variance_decay) over many seeds, and determinism per (seed, step).
test('noisy_linear_cosine_decay: TF formula, noise N(0, sqrt(v0 / (1+s)^decay)), seeded and deterministic', () => {
  const a = noisyLinearCosineDecay(1.0, { decaySteps: 1000, seed: 3 });
  const b = noisyLinearCosineDecay(1.0, { decaySteps: 1000, seed: 3 });
  const c = noisyLinearCosineDecay(1.0, { decaySteps: 1000, seed: 4 });
  for (let step = 0; step < 1500; step += 250) {
    assert.equal(a(step), b(step), 'same seed, same step: same rate');
    assert.ok(Number.isFinite(a(step)));
  }
  assert.notEqual(a(250), c(250));
  assert.equal(a(1000), Math.fround(0.001), 'at decay_steps the cosine part is 0: beta * lr, noise gone');
  // Non-default (TF testNonDefaultNoisyLinearCosine): initial_variance 0.5, variance_decay 0.1, alpha 0.1, beta 1e-4, num_periods 5.
  const o = { decaySteps: 1000, initialVariance: 0.5, varianceDecay: 0.1, alpha: 0.1, beta: 1e-4, numPeriods: 5 };
  for (const step of [0, 250, 400]) {
    const s = step;
    const cosined = 0.5 * (1 + Math.cos(Math.PI * 2 * 5 * (s / 1000)));
    const linear = (1000 - s) / 1000;
    const noises: number[] = [];
    for (let seed = 0; seed < 4000; seed++) {
      const lr = noisyLinearCosineDecay(1.0, { ...o, seed })(step);
      noises.push((lr - 1e-4) / cosined - 0.1 - linear);
    }
    const mean = noises.reduce((x, y) => x + y, 0) / noises.length;
    const std = Math.sqrt(noises.reduce((x, y) => x + (y - mean) ** 2, 0) / noises.length);
    const expected = Math.sqrt(0.5 / Math.pow(1 + s, 0.1));
    assert.ok(Math.abs(mean) < 4 * expected / Math.sqrt(noises.length), `step ${step}: mean ${mean}`);
    assert.ok(Math.abs(std / expected - 1) < 0.05, `step ${step}: std ${std}, TF's ${expected}`);
  }
});
