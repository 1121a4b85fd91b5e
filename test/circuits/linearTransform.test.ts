// Linear transforms vs float64 matrix–vector products (small insecure N = 2^10 / 2^13). Tolerance: the
// transform adds |M|_row·(encryption noise) + rescale noise; for |x| ≤ 1 and row sums ≤ ~20 we check 2^-18.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixture, maxError, randomReals } from '../scheme/helpers.js';
import {
  LinearTransform, applyDiagonalsPlain, cyclicMatrixDiagonals, keySwitchCount, mask, matrixDiagonals, mergeDiagonals,
  planBsgs, replicate, rotationKeysFor,
} from '../../src/ckks/circuits/linearTransform/index.js';
import { CkksError } from '../../src/ckks/errors.js';

const LIT = { logN: 10, logQ: [55, 40, 40], logP: [56, 56], logDefaultScale: 40 };
const SLOTS = 512;

function denseRandom(rows: number, cols: number, seed: number, density = 1) {
  const r = randomReals(rows * cols * 2, seed);
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) values[i] = r[2 * i + 1]! * 0.5 + 0.5 < density ? r[2 * i]! : 0;
  return { rows, cols, values };
}

describe('BSGS planning', () => {
  it('dense 256×256 in a larger slot space (511 diagonals): key switches ≤ 2·⌈√511⌉ + 2', () => {
    const d = matrixDiagonals(denseRandom(256, 256, 1), 4096);
    expect(d.diagonals.size).toBe(511);
    const plan = planBsgs([...d.diagonals.keys()], 4096);
    expect(keySwitchCount(plan)).toBeLessThanOrEqual(2 * Math.ceil(Math.sqrt(511)) + 2);
  });
  it('every diagonal index is reconstructed exactly from its (giant, baby) split', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1023 }), { minLength: 1, maxLength: 60 }), (ks) => {
      const plan = planBsgs(ks, 1024);
      const rebuilt: number[] = [];
      for (const [g, bs] of plan.groups) for (const b of bs) rebuilt.push((((g * plan.babyStride + b) % 1024) + 1024) % 1024);
      expect(rebuilt.sort((a, b) => a - b)).toEqual([...ks].sort((a, b) => a - b));
    }));
  });
});

describe('LinearTransform (small insecure N = 2^10, 512 slots)', () => {
  const cases: [string, () => ReturnType<typeof matrixDiagonals>][] = [
    ['identity', () => cyclicMatrixDiagonals({ rows: SLOTS, cols: SLOTS, values: Float64Array.from({ length: SLOTS * SLOTS }, (_, i) => (i % (SLOTS + 1) === 0 ? 1 : 0)) })],
    ['cyclic permutation (shift by 37)', () => ({ slots: SLOTS, diagonals: new Map([[37, new Float64Array(SLOTS).fill(1)]]) })],
    ['random sparse 512×512 (density 0.01, cyclic)', () => cyclicMatrixDiagonals(denseRandom(SLOTS, SLOTS, 3, 0.01))],
    ['dense 64×48 rectangular at offsets', () => matrixDiagonals(denseRandom(64, 48, 4), SLOTS, 100, 300)],
    ['block-diagonal: 4 blocks of 32×32', () => mergeDiagonals([0, 1, 2, 3].map((b) => matrixDiagonals(denseRandom(32, 32, 10 + b), SLOTS, 32 * b, 32 * b)))],
  ];
  const plans = cases.map(([, make]) => make());
  const F = fixture(LIT, 5, [...new Set(plans.flatMap((d) => planBsgs([...d.diagonals.keys()], SLOTS).babySteps.concat(planBsgs([...d.diagonals.keys()], SLOTS).giantSteps)))]);
  for (const hoisting of ['single', 'double'] as const) {
    cases.forEach(([name], idx) => {
      it(`${name}, ${hoisting} hoisting: decrypt(M·enc(x)) ≈ M·x within 2^-18, output scale = input scale after one rescale`, () => {
        const d = plans[idx]!;
        const lt = LinearTransform.create(F.encoder, d, { level: 2, hoisting });
        const x = randomReals(SLOTS, 100 + idx);
        const ct = F.encrypt(x);
        const before = { ...F.evaluator.keySwitchCounters };
        const y = F.evaluator.rescale(lt.evaluate(F.evaluator, ct));
        expect(F.evaluator.keySwitchCounters.keySwitches - before.keySwitches).toBe(keySwitchCount(lt.plan));
        // one decomposition for all baby steps, one per giant step
        expect(F.evaluator.keySwitchCounters.decompositions - before.decompositions).toBe((lt.plan.babySteps.length > 0 ? 1 : 0) + lt.plan.giantSteps.length);
        expect(y.scale).toBe(ct.scale);
        expect(y.level).toBe(1);
        expect(maxError(F.decrypt(y), applyDiagonalsPlain(d, x))).toBeLessThan(2 ** -18);
      });
    });
  }

  it('refuses an unknown hoisting mode (RangeError)', () => {
    expect(() => LinearTransform.create(F.encoder, plans[1]!, { hoisting: 'triple' as 'double' })).toThrow(RangeError);
  });

  it('the planner\'s key set is sufficient and minimal: dropping any one key gives MISSING_KEY', () => {
    const d = matrixDiagonals(denseRandom(16, 16, 21), SLOTS);
    const lt = LinearTransform.create(F.encoder, d, { level: 2 });
    const steps = rotationKeysFor([lt]);
    const exact = fixture(LIT, 6, steps);
    const lt2 = LinearTransform.create(exact.encoder, d, { level: 2 });
    const x = randomReals(SLOTS, 7);
    expect(maxError(exact.decrypt(exact.evaluator.rescale(lt2.evaluate(exact.evaluator, exact.encrypt(x)))), applyDiagonalsPlain(d, x))).toBeLessThan(2 ** -18);
    for (const drop of steps) {
      const partial = fixture(LIT, 6, steps.filter((s) => s !== drop));
      const lt3 = LinearTransform.create(partial.encoder, d, { level: 2 });
      expect(() => lt3.evaluate(partial.evaluator, partial.encrypt(x))).toThrow(CkksError);
    }
  });

  it('refuses a ciphertext at another level (LEVEL_MISMATCH)', () => {
    const lt = LinearTransform.create(F.encoder, plans[1]!, { level: 1 });
    expect(() => lt.evaluate(F.evaluator, F.encrypt(randomReals(SLOTS, 1)))).toThrow(/LEVEL_MISMATCH/);
  });
});

describe('masking and replication (small insecure N = 2^10)', () => {
  const F = fixture(LIT, 8, [-16, -32, -64]);
  it('mask keeps the chosen slots; replicate copies the first 16 slots 8 times', () => {
    const x = randomReals(SLOTS, 9);
    const keep = Float64Array.from({ length: SLOTS }, (_, i) => (i < 16 ? 1 : 0));
    const m = mask(F.evaluator, F.encoder, F.encrypt(x), keep);
    expect(m.scale).toBe(2 ** 40);
    expect(maxError(F.decrypt(m), x.map((v, i) => (i < 16 ? v : 0)))).toBeLessThan(2 ** -20);
    const r = replicate(F.evaluator, m, 16, 8);
    expect(maxError(F.decrypt(r), x.map((_, i) => (i < 128 ? x[i % 16]! : 0)))).toBeLessThan(2 ** -19);
  });
});

describe('LinearTransform at 4096 slots (small insecure N = 2^13)', () => {
  it('dense 256×256 block in 4096 slots: correct, and uses ≤ 2·⌈√511⌉ + 2 key switches', () => {
    const d = matrixDiagonals(denseRandom(256, 256, 31), 4096);
    const plan = planBsgs([...d.diagonals.keys()], 4096);
    const F = fixture({ logN: 13, logQ: [55, 40], logP: [56], logDefaultScale: 40 }, 12, [...plan.babySteps, ...plan.giantSteps]);
    const x = randomReals(4096, 13);
    const ct = F.encrypt(x);
    const want = applyDiagonalsPlain(d, x);
    for (const hoisting of ['single', 'double'] as const) {
      const lt = LinearTransform.create(F.encoder, d, { level: 1, hoisting });
      const before = F.evaluator.keySwitchCounters.keySwitches;
      const y = F.evaluator.rescale(lt.evaluate(F.evaluator, ct));
      expect(F.evaluator.keySwitchCounters.keySwitches - before).toBeLessThanOrEqual(2 * Math.ceil(Math.sqrt(511)) + 2);
      expect(maxError(F.decrypt(y), want), hoisting).toBeLessThan(2 ** -16);
    }
  });
});
