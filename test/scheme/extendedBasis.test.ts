// Double-hoisting primitives (ciphertexts kept in the extended basis Q_ℓ ∪ P, multiplied by P) against float64
// slot rotations, and Encoder.encodeExtended against an explicit BigInt CRT. Small insecure N = 2^10, two special
// primes (k_P = 2, so ModDown's rounding is not exact). Tolerance 2^-20 for |x| ≤ 1 at Δ = 2^40 (fresh error ≈ 2^-29,
// one key switch adds ≈ 2^-29; the bound leaves room for the sum of three terms).
import { describe, expect, it } from 'vitest';
import { fixture, maxError, randomReals } from './helpers.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { CkksError } from '../../src/ckks/errors.js';
import { ExtendedCiphertext } from '../../src/ckks/scheme/plaintext.js';
import { expectCkksError } from '../support/expectCkksError.js';

const LIT = { logN: 10, logQ: [55, 40, 40], logP: [56, 56], logDefaultScale: 40 };
const SLOTS = 512;
const rot = (x: Float64Array, s: number) => x.map((_, i) => x[(((i + s) % SLOTS) + SLOTS) % SLOTS]!);

describe('extended-basis rotations (small insecure N = 2^10, k_P = 2)', () => {
  const F = fixture(LIT, 41, [3, 5, -7]);
  const x = randomReals(SLOTS, 42);
  const ct = F.encrypt(x);

  it('rotateHoistedExtended then modDownExtended equals rotation, for steps 0, 3, 5, −7 (≤ 2^-20); scale and slots travel along', () => {
    const ext = F.evaluator.rotateHoistedExtended(ct, [0, 3, 5, -7]);
    for (const [s, e] of ext) {
      expect(e.c0.limbCount).toBe(ct.level + 1 + F.ctx.params.P.length);
      expect([e.level, e.scale, e.slots]).toEqual([ct.level, ct.scale, ct.slots]);
      const back = F.evaluator.modDownExtended(e);
      expect([back.level, back.scale, back.slots]).toEqual([ct.level, ct.scale, ct.slots]);
      expect(maxError(F.decrypt(back), rot(x, s)), `step ${s}`).toBeLessThan(2 ** -20);
    }
  });

  it('rotateAccumulateExtended sums P·rot(x, s) terms: x + rot(x, 3) + rot(rot(x, 5), −7) (≤ 2^-20)', () => {
    const [e0, e5] = [...F.evaluator.rotateHoistedExtended(ct, [0, 5]).values()] as [ExtendedCiphertext, ExtendedCiphertext];
    const acc = ExtendedCiphertext.zero(F.ctx, ct.level, ct.scale, SLOTS);
    const e0c1 = e0.c1.clone();
    F.evaluator.rotateAccumulateExtended(e0, 0, acc);
    F.evaluator.rotateAccumulateExtended(e0, 3, acc);
    expect(e0.c1.data).toEqual(e0c1.data); // the input is not modified
    F.evaluator.rotateAccumulateExtended(e5, -7, acc);
    const want = x.map((v, i) => v + rot(x, 3)[i]! + rot(x, -2)[i]!);
    expect(maxError(F.decrypt(F.evaluator.modDownExtended(acc)), want)).toBeLessThan(2 ** -20);
  });

  it('liftExtended is P·ct: modDownExtended gives ct + ⌊k_P/2⌋ = ct + 1 per coefficient (ModDown of P·c with k_P = 2 is (P·c + P)/P), with its scale and slots', () => {
    const lifted = F.evaluator.liftExtended(ct);
    expect([lifted.level, lifted.scale, lifted.slots]).toEqual([ct.level, ct.scale, ct.slots]);
    const back = F.evaluator.modDownExtended(lifted);
    expect([back.level, back.scale, back.slots]).toEqual([ct.level, ct.scale, ct.slots]);
    const n = F.ctx.ringDegree;
    ct.parts.forEach((p, i) => {
      const want = p.clone().toCoefficient();
      const got = back.parts[i]!.clone().toCoefficient();
      want.basis.moduli.forEach((m, l) => {
        for (let j = 0; j < n; j++) expect(got.data[l * n + j]).toBe((want.data[l * n + j]! + 1n) % m.value);
      });
    });
    const [hoisted0] = [...F.evaluator.rotateHoistedExtended(ct, [0]).values()] as [ExtendedCiphertext];
    const again = F.evaluator.liftExtended(ct);
    expect(hoisted0.c0.data).toEqual(again.c0.data);
    expect(hoisted0.c1.data).toEqual(again.c1.data);
  });

  it('extended ciphertexts are checked: level, scale and slot count must agree when accumulating; construction validates', () => {
    const e = F.evaluator.liftExtended(ct);
    const sameShape = () => ExtendedCiphertext.zero(F.ctx, ct.level, ct.scale, SLOTS);
    expectCkksError(() => F.evaluator.rotateAccumulateExtended(e, 3, ExtendedCiphertext.zero(F.ctx, ct.level, ct.scale * 2, SLOTS)), 'SCALE_MISMATCH');
    expectCkksError(() => F.evaluator.rotateAccumulateExtended(e, 3, ExtendedCiphertext.zero(F.ctx, ct.level, ct.scale, SLOTS / 2)), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => F.evaluator.rotateAccumulateExtended(e, 0, ExtendedCiphertext.zero(F.ctx, ct.level - 1, ct.scale, SLOTS)), 'LEVEL_MISMATCH');
    expect(() => F.evaluator.rotateAccumulateExtended(e, 3, e)).toThrow(RangeError);
    F.evaluator.rotateAccumulateExtended(e, 3, sameShape()); // the matching accumulator is accepted
    const plain = { level: ct.level, c0: e.c0, c1: e.c1, scale: ct.scale, slots: SLOTS } as unknown as ExtendedCiphertext;
    expect(() => F.evaluator.modDownExtended(plain)).toThrow(TypeError);
    const basisQP = F.ctx.levelBasisQP(ct.level);
    expectCkksError(() => new ExtendedCiphertext(F.ctx, ct.level - 1, new RnsPoly(basisQP, 'evaluation'), new RnsPoly(basisQP, 'evaluation'), 1, SLOTS), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => new ExtendedCiphertext(F.ctx, ct.level, new RnsPoly(basisQP, 'coefficient'), new RnsPoly(basisQP, 'evaluation'), 1, SLOTS), 'FORM_MISMATCH');
    expect(() => ExtendedCiphertext.zero(F.ctx, ct.level, 0, SLOTS)).toThrow(RangeError);
    expect(() => ExtendedCiphertext.zero(F.ctx, ct.level, Number.NaN, SLOTS)).toThrow(RangeError);
    expectCkksError(() => ExtendedCiphertext.zero(F.ctx, ct.level, 1, 3), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => ExtendedCiphertext.zero(F.ctx, ct.level, 1, 2 * SLOTS), 'INCOMPATIBLE_PARAMETERS');
  });

  it('missing keys and level mismatches are typed errors', () => {
    expect(() => F.evaluator.rotateHoistedExtended(ct, [4])).toThrow(/MISSING_KEY/);
    const [e] = [...F.evaluator.rotateHoistedExtended(ct, [0]).values()] as [ExtendedCiphertext];
    const low = F.evaluator.rotateHoistedExtended(F.encrypt(x, 1), [0]).get(0)!;
    expect(() => F.evaluator.rotateAccumulateExtended(e, 4, ExtendedCiphertext.zero(F.ctx, e.level, e.scale, e.slots))).toThrow(CkksError);
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
