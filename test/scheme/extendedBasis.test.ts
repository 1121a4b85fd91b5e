// Double-hoisting primitives (ciphertexts kept in the extended basis Q_ℓ ∪ P, multiplied by P) against float64
// slot rotations, and Encoder.encodeExtended against an explicit BigInt CRT. Small insecure N = 2^10, two special
// primes (k_P = 2, so ModDown's rounding is not exact). Tolerance 2^-20 for |x| ≤ 1 at Δ = 2^40 (fresh error ≈ 2^-29,
// one key switch adds ≈ 2^-29; the bound leaves room for the sum of three terms).
import { describe, expect, it } from 'vitest';
import { fixture, maxError, randomReals } from './helpers.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { CkksError } from '../../src/ckks/errors.js';
import type { ExtendedCiphertext } from '../../src/ckks/scheme/rotations.js';

const LIT = { logN: 10, logQ: [55, 40, 40], logP: [56, 56], logDefaultScale: 40 };
const SLOTS = 512;
const rot = (x: Float64Array, s: number) => x.map((_, i) => x[(((i + s) % SLOTS) + SLOTS) % SLOTS]!);

describe('extended-basis rotations (small insecure N = 2^10, k_P = 2)', () => {
  const F = fixture(LIT, 41, [3, 5, -7]);
  const x = randomReals(SLOTS, 42);
  const ct = F.encrypt(x);

  it('rotateHoistedExtended then modDownExtended equals rotation, for steps 0, 3, 5, −7 (≤ 2^-20)', () => {
    const ext = F.evaluator.rotateHoistedExtended(ct, [0, 3, 5, -7]);
    for (const [s, e] of ext) {
      expect(e.c0.limbCount).toBe(ct.level + 1 + F.ctx.params.P.length);
      const back = F.evaluator.modDownExtended(e, ct.scale, ct.slots);
      expect(back.level).toBe(ct.level);
      expect(maxError(F.decrypt(back), rot(x, s)), `step ${s}`).toBeLessThan(2 ** -20);
    }
  });

  it('rotateAccumulateExtended sums P·rot(x, s) terms: x + rot(x, 3) + rot(rot(x, 5), −7) (≤ 2^-20)', () => {
    const [e0, e5] = [...F.evaluator.rotateHoistedExtended(ct, [0, 5]).values()] as [ExtendedCiphertext, ExtendedCiphertext];
    const basis = e0.c0.basis;
    const acc: ExtendedCiphertext = { level: ct.level, c0: new RnsPoly(basis, 'evaluation'), c1: new RnsPoly(basis, 'evaluation') };
    const e0c1 = e0.c1.clone();
    F.evaluator.rotateAccumulateExtended(e0, 0, acc);
    F.evaluator.rotateAccumulateExtended(e0, 3, acc);
    expect(e0.c1.data).toEqual(e0c1.data); // the input is not modified
    F.evaluator.rotateAccumulateExtended(e5, -7, acc);
    const want = x.map((v, i) => v + rot(x, 3)[i]! + rot(x, -2)[i]!);
    expect(maxError(F.decrypt(F.evaluator.modDownExtended(acc, ct.scale, SLOTS)), want)).toBeLessThan(2 ** -20);
  });

  it('missing keys and level mismatches are typed errors', () => {
    expect(() => F.evaluator.rotateHoistedExtended(ct, [4])).toThrow(/MISSING_KEY/);
    const [e] = [...F.evaluator.rotateHoistedExtended(ct, [0]).values()] as [ExtendedCiphertext];
    const low = F.evaluator.rotateHoistedExtended(F.encrypt(x, 1), [0]).get(0)!;
    expect(() => F.evaluator.rotateAccumulateExtended(e, 4, { ...e, c0: e.c0.clone(), c1: e.c1.clone() })).toThrow(CkksError);
    expect(() => F.evaluator.rotateAccumulateExtended(low, 3, e)).toThrow(/LEVEL_MISMATCH/);
  });
});

describe('Encoder.encodeExtended (small insecure N = 2^10)', () => {
  const F = fixture(LIT, 43);
  it('is the same integer polynomial as encode, reduced modulo Q_ℓ ∪ P (explicit BigInt CRT)', () => {
    const v = randomReals(SLOTS, 44);
    const level = 1;
    const pt = F.encoder.encode(v, { level });
    const ext = F.encoder.encodeExtended(v, { level });
    expect(ext.form).toBe('evaluation');
    const centred = (poly: RnsPoly): bigint[] => {
      const c = poly.clone().toCoefficient();
      const primes = c.basis.primes;
      const M = primes.reduce((a, b) => a * b, 1n);
      const out: bigint[] = [];
      for (let k = 0; k < F.ctx.ringDegree; k++) {
        let sum = 0n;
        primes.forEach((q, l) => {
          const Mi = M / q;
          let inv = 1n; // Mi^{-1} mod q by Fermat
          for (let e = q - 2n, b = Mi % q; e > 0n; e >>= 1n, b = (b * b) % q) if (e & 1n) inv = (inv * b) % q;
          sum += c.limb(l)[k]! * Mi * inv;
        });
        const r = sum % M;
        out.push(r > M / 2n ? r - M : r);
      }
      return out;
    };
    expect(centred(ext)).toEqual(centred(pt.poly));
    expect(ext.limbCount).toBe(level + 1 + F.ctx.params.P.length);
  });
});
