// 'mixed' hoisting (baby steps over Q_ℓ, Shoup-form diagonals, giant steps summed in Q_ℓ ∪ P by rotateSum) computes
// M·x like double hoisting, and Evaluator.rotateSum is Σ rot(x_t, s_t). Small insecure N = 2^11, Δ = 2^40.
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
    // one residue and one companion per run of N/(2·64) = 16 entries, per limb of Q_ℓ and per diagonal
    const limbs = sparse.ctx.maxLevel + 1;
    expect(mixed.encodedBytes).toBe(matrix.diagonals.size * limbs * 2 * (sparse.ctx.ringDegree / 16) * 8);
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
});
