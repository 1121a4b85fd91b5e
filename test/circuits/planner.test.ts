// CircuitPlan (src/ckks/circuits/planner.ts) against the runs it plans: each plan is followed by the real evaluation
// on small insecure parameters (N = 2^11), and the planned level, scale (exactly: the same float64 arithmetic) and
// slot count must equal the result's; the keys it lists must be the ones the run needs; and a circuit the
// parameters cannot carry is refused at planning time with the code the run itself throws.
import { describe, expect, it } from 'vitest';
import { CircuitPlan } from '../../src/ckks/circuits/planner.js';
import { LinearTransform, matrixDiagonals } from '../../src/ckks/circuits/linearTransform/index.js';
import { PolynomialEvaluator } from '../../src/ckks/circuits/polynomial/index.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { fixture, maxError, randomReals } from '../scheme/helpers.js';
import { expectCkksError } from '../support/expectCkksError.js';

const LIT = { logN: 11, logQ: [50, 40, 40, 40, 40], logP: [61, 61, 61, 61], dnum: 1, logDefaultScale: 40 };
const SLOTS = 32;
const DIM = 32;
const values = randomReals(DIM * DIM, 3).map((v) => v / 8);
const matrix = matrixDiagonals({ rows: DIM, cols: DIM, values }, SLOTS);
const COEFFS = [0.05, 0.9, -0.3, 0.25, -0.12, 0.08, -0.03, 0.01];

function setup() {
  const probe = fixture(LIT, 9);
  const transform = LinearTransform.create(probe.encoder, matrix, { hoisting: 'mixed' });
  const F = fixture(LIT, 9, [...transform.rotationSteps(), 1023]);
  const lt = LinearTransform.create(F.encoder, matrix, { hoisting: 'mixed' });
  const encrypt = (x: Float64Array, level = F.ctx.maxLevel): Ciphertext => F.encryptor.encryptPublic(F.encoder.encode(x, { slots: SLOTS, level }), F.publicKey);
  return { F, lt, encrypt };
}
const { F, lt, encrypt } = setup();

function expectState(plan: CircuitPlan, ct: Ciphertext): void {
  expect({ level: plan.level, scale: plan.scale, slots: plan.slots }).toEqual({ level: ct.level, scale: ct.scale, slots: ct.slots });
}

describe('CircuitPlan (small insecure N = 2^11)', () => {
  it('matvec + degree-7 polynomial: planned level, scale, slots and keys are the run\'s, exactly', () => {
    const x = randomReals(SLOTS, 4);
    const ct = encrypt(x);
    const plan = CircuitPlan.start(F.ctx, ct).linearTransform(lt).polynomial({ basis: 'monomial', coefficients: COEFFS });
    const y = F.evaluator.rescale(lt.evaluate(F.evaluator, ct));
    const z = new PolynomialEvaluator(F.evaluator).evaluate(y, { basis: 'monomial', coefficients: COEFFS });
    expectState(plan, z);
    expect(plan.levelsConsumed).toBe(4);
    expect(plan.rotationSteps()).toEqual(lt.rotationSteps().filter((s) => s !== 0));
    expect(plan.needsRelinearizationKey).toBe(true);
    expect(plan.report().map((s) => s.step)).toEqual([expect.stringMatching(/^linear transform/), 'rescale', 'polynomial (depth 3)']);
    // and the run is right: p(M·x) from the matrix
    const want = Float64Array.from({ length: DIM }, (_, i) => {
      let m = 0;
      for (let j = 0; j < DIM; j++) m += values[i * DIM + j]! * x[j]!;
      let p = 0;
      for (let k = COEFFS.length - 1; k >= 0; k--) p = p * m + COEFFS[k]!;
      return p;
    });
    expect(maxError(F.decrypt(z), want)).toBeLessThan(1e-5);
  });

  it('products, plaintext products, rescales and a target scale: the same float64 scales as the evaluator', () => {
    const ct = encrypt(randomReals(SLOTS, 5));
    const plan = CircuitPlan.start(F.ctx, ct).square();
    const sq = F.evaluator.mulRelinRescale(ct, ct);
    expectState(plan, sq);
    expect(plan.scale).not.toBe(ct.scale); // Δ²/q_ℓ drifts: the plan must follow it, not assume Δ
    const pt = F.encoder.encode(randomReals(SLOTS, 6), { slots: SLOTS, level: sq.level, scale: 2 ** 35 });
    plan.mulPlain(2 ** 35);
    const prod = F.evaluator.rescale(F.evaluator.mulPlain(sq, pt));
    expectState(plan, prod);
    plan.polynomial({ basis: 'chebyshev', coefficients: [0.1, 0.5, 0.25] }, { targetScale: 2 ** 38 });
    const poly = new PolynomialEvaluator(F.evaluator).evaluate(prod, { basis: 'chebyshev', coefficients: [0.1, 0.5, 0.25] }, { targetScale: 2 ** 38 });
    expectState(plan, poly);
    // a degree-1 polynomial needs no relinearisation key; degree 2 does
    expect(CircuitPlan.start(F.ctx, ct).polynomial({ basis: 'monomial', coefficients: [1, 2] }).needsRelinearizationKey).toBe(false);
    expect(CircuitPlan.start(F.ctx, ct).polynomial({ basis: 'monomial', coefficients: [1, 2, 0] }).needsRelinearizationKey).toBe(false);
    expect(CircuitPlan.start(F.ctx, ct).polynomial({ basis: 'monomial', coefficients: [1, 2, 3] }).needsRelinearizationKey).toBe(true);
    // per-slot coefficients: a vector of zeros is a zero coefficient
    const perSlot = (c: (number | number[])[]) => CircuitPlan.start(F.ctx, ct).polynomial({ basis: 'monomial', coefficients: c }).needsRelinearizationKey;
    expect(perSlot([1, [0, 2], [0, 0]])).toBe(false);
    expect(perSlot([1, [0, 0], [0, 3]])).toBe(true);
  });

  it('rotations record the key Evaluator.rotate looks up (amount mod N/2), and the state stays', () => {
    const ct = encrypt(randomReals(SLOTS, 7));
    const plan = CircuitPlan.start(F.ctx, ct).rotate(-1).rotate(0).rotate(1024 + 1);
    expect(plan.rotationSteps()).toEqual([1, 1023]);
    expectState(plan, ct);
    expectState(plan, F.evaluator.rotate(F.evaluator.rotate(ct, -1), 1025));
    expect(() => plan.rotate(1.5)).toThrow(RangeError);
  });

  it('a circuit the chain cannot carry is refused when planned, with the code the run throws', () => {
    const low = encrypt(randomReals(SLOTS, 8), 2);
    const deep = { basis: 'monomial' as const, coefficients: COEFFS }; // depth 3 > level 2
    expectCkksError(() => CircuitPlan.start(F.ctx, low).polynomial(deep), 'DEPTH_EXHAUSTED');
    expectCkksError(() => new PolynomialEvaluator(F.evaluator).evaluate(low, deep), 'DEPTH_EXHAUSTED');
    expectCkksError(() => CircuitPlan.start(F.ctx, low).linearTransform(lt), 'LEVEL_MISMATCH');
    expectCkksError(() => lt.evaluate(F.evaluator, low), 'LEVEL_MISMATCH');
    const wide = F.encryptor.encryptPublic(F.encoder.encode(randomReals(64, 1), { slots: 64 }), F.publicKey);
    expectCkksError(() => CircuitPlan.start(F.ctx, wide).linearTransform(lt), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => lt.evaluate(F.evaluator, wide), 'INCOMPATIBLE_PARAMETERS');
    const bottom = encrypt(randomReals(SLOTS, 9), 0);
    expectCkksError(() => CircuitPlan.start(F.ctx, bottom).rescale(), 'DEPTH_EXHAUSTED');
    expectCkksError(() => F.evaluator.rescale(bottom), 'DEPTH_EXHAUSTED');
    // a small scale squared and rescaled falls below the minimum 2^(log2 N + 8) = 2^19
    const small = F.encryptor.encryptPublic(F.encoder.encode(randomReals(SLOTS, 10), { slots: SLOTS, scale: 2 ** 25 }), F.publicKey);
    expectCkksError(() => CircuitPlan.start(F.ctx, small).square(), 'SCALE_OUT_OF_RANGE');
    expectCkksError(() => F.evaluator.mulRelinRescale(small, small), 'SCALE_OUT_OF_RANGE');
    // a scale the level's modulus cannot hold
    const huge = { level: 0, scale: 2 ** 45, slots: SLOTS };
    expectCkksError(() => CircuitPlan.start(F.ctx, huge).square(), 'DEPTH_EXHAUSTED');
  });

  it('start refuses a state no ciphertext can have', () => {
    expect(() => CircuitPlan.start(F.ctx, { level: F.ctx.maxLevel + 1, scale: 2 ** 40, slots: SLOTS })).toThrow();
    expect(() => CircuitPlan.start(F.ctx, { level: 1, scale: Number.NaN, slots: SLOTS })).toThrow(RangeError);
    expect(() => CircuitPlan.start(F.ctx, { level: 1, scale: 0.5, slots: SLOTS })).toThrow(RangeError);
    expect(() => CircuitPlan.start(F.ctx, { level: 1, scale: 2 ** 40, slots: 48 })).toThrow(RangeError);
    expect(() => CircuitPlan.start(F.ctx, { level: 1, scale: 2 ** 40, slots: 2048 })).toThrow(RangeError);
    expect(() => CircuitPlan.start(F.ctx, { level: 1, scale: 2 ** 40, slots: SLOTS }).polynomial({ basis: 'monomial', coefficients: [1, 1] }, { targetScale: 0 })).toThrow(RangeError);
  });
});
