// 'mixed' hoisting (baby steps as (P·c_0 over Q_ℓ ∪ P, c_1 over Q_ℓ), Shoup-form diagonals, giant steps summed in Q_ℓ ∪ P
// by rotateSum) computes M·x like double hoisting, and Evaluator.rotateSum is Σ rot(x_t, s_t). Small insecure N = 2^11, Δ = 2^40.
import { describe, expect, it } from 'vitest';
import { fixture, maxError, randomReals } from '../scheme/helpers.js';
import { LinearTransform, applyDiagonalsPlain, matrixDiagonals, planBsgs } from '../../src/ckks/circuits/linearTransform/index.js';
import { expectCkksError } from '../support/expectCkksError.js';

const LIT = { logN: 11, logQ: [50, 40, 40], logP: [61, 61, 61], logDefaultScale: 40, dnum: 1 };
const SLOTS = 1024;
const MATRICES = [
  matrixDiagonals({ rows: 32, cols: 32, values: randomReals(32 * 32, 2) }, SLOTS),
  matrixDiagonals({ rows: 64, cols: 64, values: Float64Array.from({ length: 64 * 64 }, (_, i) => (Math.abs((i % 64) - Math.floor(i / 64)) < 5 ? Math.sin(i) : 0)) }, SLOTS),
];
const STEPS = new Set([1, 7]);
for (const m of MATRICES) {
  const plan = planBsgs([...m.diagonals.keys()], SLOTS);
  for (const s of [...plan.babySteps, ...plan.giantSteps]) STEPS.add(s);
}
const F = fixture(LIT, 5, [...STEPS]);

describe("LinearTransform 'mixed' hoisting and rotateSum", () => {
  it('M·x for a dense 32×32 block and a banded 64×64 map, as accurate as double hoisting', () => {
    const ct = F.encrypt(randomReals(SLOTS, 1));
    const input = F.decrypt(ct).re;
    for (const matrix of MATRICES) {
      const want = applyDiagonalsPlain(matrix, input);
      const errors = (['double', 'mixed'] as const).map((hoisting) => {
        const y = F.evaluator.rescale(LinearTransform.create(F.encoder, matrix, { hoisting }).evaluate(F.evaluator, ct));
        expect(y.scale).toBe(ct.scale);
        expect(y.level).toBe(ct.level - 1);
        return maxError(F.decrypt(y), want);
      });
      expect(errors[1]!).toBeLessThan(1e-6);
      expect(errors[1]!).toBeLessThan(4 * errors[0]! + 1e-8);
    }
  });

  it('sparse slots (64 of 1024): M·x from the matrix itself, diagonals stored one word per run of 16 equal entries', () => {
    const n = 64;
    const values = randomReals(n * n, 12);
    const matrix = matrixDiagonals({ rows: n, cols: n, values }, n);
    const sparse = fixture(LIT, 6, LinearTransform.create(F.encoder, matrix, { hoisting: 'mixed' }).rotationSteps());
    const x = randomReals(n, 13);
    const want = Float64Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j < n; j++) s += values[i * n + j]! * x[j]!;
      return s;
    });
    const ct = sparse.encryptor.encryptPublic(sparse.encoder.encode(x, { slots: n }), sparse.publicKey);
    expect(ct.slots).toBe(n);
    const mixed = LinearTransform.create(sparse.encoder, matrix, { hoisting: 'mixed' });
    const y = sparse.evaluator.rescale(mixed.evaluate(sparse.evaluator, ct));
    expect([y.slots, y.scale, y.level]).toEqual([n, ct.scale, ct.level - 1]);
    expect(maxError(sparse.decrypt(y), want)).toBeLessThan(2 ** -20 * (n + 1));
    // one residue and one companion per run of N/(2·64) = 16 entries, per limb of Q_ℓ ∪ P (the babies' first parts
    // are multiplied over Q_ℓ ∪ P) and per diagonal
    const limbs = sparse.ctx.maxLevel + 1;
    expect(mixed.encodedBytes).toBe(matrix.diagonals.size * (limbs + LIT.logP.length) * 2 * (sparse.ctx.ringDegree / 16) * 8);
    const full = LinearTransform.create(sparse.encoder, matrix, { hoisting: 'single' });
    expect(full.encodedBytes).toBe(matrix.diagonals.size * limbs * sparse.ctx.ringDegree * 8);
  });

  it('rotateSum is the sum of the rotations, with one ModDown', () => {
    const a = randomReals(SLOTS, 3);
    const b = randomReals(SLOTS, 4);
    const ca = F.encrypt(a);
    const cb = F.encrypt(b);
    const r = F.evaluator.rotateSum([{ ciphertext: ca, steps: 1 }, { ciphertext: cb, steps: 7 }, { ciphertext: ca, steps: 0 }]);
    const want = a.map((v, i) => a[(i + 1) % SLOTS]! + b[(i + 7) % SLOTS]! + v);
    expect(maxError(F.decrypt(r), want)).toBeLessThan(1e-6);
    expect(r.scale).toBe(ca.scale);
    const missing = Array.from({ length: SLOTS }, (_, i) => i).find((s) => s > 0 && !STEPS.has(s))!;
    expectCkksError(() => F.evaluator.rotateSum([{ ciphertext: ca, steps: missing }]), 'MISSING_KEY');
    expectCkksError(() => F.evaluator.rotateSum([{ ciphertext: ca, steps: 1 }, { ciphertext: F.evaluator.rescale(F.evaluator.mulPlain(cb, F.encoder.encode(b))), steps: 1 }]), 'LEVEL_MISMATCH');
    expect(() => F.evaluator.rotateSum([])).toThrow(RangeError);
  });

  it('rotateHoistedHalfExtended (insecure N = 2^11): (P·c_0 over Q_ℓ ∪ P, c_1 over Q_ℓ) of rot(x, s), summed by rotateSum with plain terms', () => {
    const a = randomReals(SLOTS, 21);
    const b = randomReals(SLOTS, 22);
    const ca = F.encrypt(a);
    const cb = F.encrypt(b);
    const halves = F.evaluator.rotateHoistedHalfExtended(ca, [0, 1, 7]);
    expect([...halves.keys()]).toEqual([0, 1, 7]);
    for (const h of halves.values()) {
      expect([h.level, h.scale, h.slots]).toEqual([ca.level, ca.scale, ca.slots]);
      expect(h.c0.limbCount).toBe(ca.level + 1 + LIT.logP.length);
      expect(h.c1.limbCount).toBe(ca.level + 1);
    }
    // step 0: P·c_0 exactly (zero on the limbs of P) and a copy of c_1
    const zero = halves.get(0)!;
    expect([...zero.c1.data]).toEqual([...ca.parts[1]!.data]);
    expect(zero.c1.data).not.toBe(ca.parts[1]!.data);
    expect(zero.c0.limb(ca.level + 1).every((v) => v === 0n)).toBe(true);
    // each one alone is rot(a, s); rotated again by rotateSum, mixed with a plain term
    for (const s of [0, 1, 7]) {
      const alone = F.evaluator.rotateSum([{ ciphertext: halves.get(s)!, steps: 0 }]);
      expect(maxError(F.decrypt(alone), a.map((_, i) => a[(i + s) % SLOTS]!))).toBeLessThan(1e-6);
    }
    const sum = F.evaluator.rotateSum([{ ciphertext: halves.get(1)!, steps: 7 }, { ciphertext: cb, steps: 1 }, { ciphertext: halves.get(7)!, steps: 1 }]);
    const want = a.map((_, i) => 2 * a[(i + 8) % SLOTS]! + b[(i + 1) % SLOTS]!);
    expect(maxError(F.decrypt(sum), want)).toBeLessThan(1e-6);
    const missing = Array.from({ length: SLOTS }, (_, i) => i).find((s) => s > 0 && !STEPS.has(s))!;
    expectCkksError(() => F.evaluator.rotateHoistedHalfExtended(ca, [1, missing]), 'MISSING_KEY');
    expectCkksError(() => F.evaluator.rotateSum([{ ciphertext: halves.get(1)!, steps: 1 }, { ciphertext: F.evaluator.dropLevels(cb, 1), steps: 1 }]), 'LEVEL_MISMATCH');
    expect(() => F.evaluator.rotateSum([{ ciphertext: F.evaluator.liftExtended(ca) as unknown as typeof ca, steps: 1 }])).toThrow(TypeError);
  });

  it('rotateSumRescale (insecure N = 2^11) is rescale(rotateSum) in one division by q_ℓ·P: same level and scale, error within the rescale rounding', () => {
    const a = randomReals(SLOTS, 14);
    const b = randomReals(SLOTS, 15);
    // products at scale Δ·q_ℓ, as a transform's giant groups are before their rescale
    const ca = F.evaluator.mulConstant(F.encrypt(a), 0.5);
    const cb = F.evaluator.mulConstant(F.encrypt(b), -0.25);
    const terms = [{ ciphertext: ca, steps: 1 }, { ciphertext: cb, steps: 7 }, { ciphertext: ca, steps: 0 }];
    const want = a.map((v, i) => 0.5 * a[(i + 1) % SLOTS]! - 0.25 * b[(i + 7) % SLOTS]! + 0.5 * v);
    const fused = F.evaluator.rotateSumRescale(terms);
    const separate = F.evaluator.rescale(F.evaluator.rotateSum(terms));
    expect([fused.level, fused.scale, fused.slots]).toEqual([separate.level, separate.scale, separate.slots]);
    expect(fused.level).toBe(ca.level - 1);
    const errFused = maxError(F.decrypt(fused), want);
    const errSeparate = maxError(F.decrypt(separate), want);
    // both are ≈ 2^-30 here (encryption noise / Δ); the fused one must not be worse than twice the two-step one
    expect(errFused).toBeLessThan(1e-6);
    expect(errFused).toBeLessThan(2 * errSeparate + 1e-9);
    // at level 0 there is nothing to rescale
    const bottom = F.evaluator.dropLevels(ca, ca.level);
    expectCkksError(() => F.evaluator.rotateSumRescale([{ ciphertext: bottom, steps: 1 }]), 'DEPTH_EXHAUSTED');
    expectCkksError(() => F.evaluator.rotateSumRescale([{ ciphertext: ca, steps: 1 }, { ciphertext: F.encrypt(b), steps: 1 }]), 'SCALE_MISMATCH');
  });

  it("evaluate(…, { rescale: true }) (insecure N = 2^11) equals rescale(evaluate(…)) for every hoisting, mixed through rotateSumRescale", () => {
    const ct = F.encrypt(randomReals(SLOTS, 16));
    const matrix = MATRICES[0]!;
    const want = applyDiagonalsPlain(matrix, F.decrypt(ct).re);
    for (const hoisting of ['single', 'double', 'mixed'] as const) {
      const t = LinearTransform.create(F.encoder, matrix, { hoisting });
      const y = t.evaluate(F.evaluator, ct, { rescale: true });
      expect([y.level, y.scale]).toEqual([ct.level - 1, ct.scale]);
      expect(maxError(F.decrypt(y), want)).toBeLessThan(1e-6);
    }
    const t = LinearTransform.create(F.encoder, matrix, { hoisting: 'mixed' });
    expect(() => t.evaluate(F.evaluator, ct, { rescale: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => t.evaluate(F.evaluator, ct, null as unknown as { rescale: boolean })).toThrow(TypeError);
  });
});
