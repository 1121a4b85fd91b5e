// The Montgomery-form flag of RnsPoly (issue 11: a polynomial's representation recorded and checked, not assumed):
// toMontgomeryForm / fromMontgomeryForm against BigInt (x·2^64 mod q and back), the flag carried by copies, views
// and transforms, sums and products refusing mixed domains, switching keys refusing plain residues, and the
// operands the encoder and the key generator hand to the fused kernels flagged. Small insecure N = 2^4..2^10.
import { describe, expect, it } from 'vitest';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { RnsPoly, polyAdd, polyMul, polyNeg, polySub } from '../../src/ckks/ring/rnsPoly.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { SwitchingKey, fromMontgomeryForm, toMontgomeryForm } from '../../src/ckks/scheme/keys.js';
import { deserializeGaloisKey, deserializeRelinearizationKey, serializeGaloisKey, serializeRelinearizationKey } from '../../src/ckks/serialization/index.js';
import { fixture } from '../scheme/helpers.js';
import { expectCkksError } from '../support/expectCkksError.js';

const N = 16;
const basis = RnsBasis.create(N, generateNttPrimes(50, 3, N));
const R = 1n << 64n;
const poly = (seedValue: number): RnsPoly =>
  RnsPoly.fromCoefficients(basis, Array.from({ length: N }, (_, i) => BigInt((i * 7919 + seedValue * 104729) % 100003) - 50000n)).toEvaluation();

describe('Montgomery form as recorded metadata', () => {
  it('toMontgomeryForm multiplies every residue by 2^64 mod q and sets the flag; fromMontgomeryForm undoes it in a copy', () => {
    const p = poly(1);
    const plain = p.clone();
    expect(p.montgomery).toBe(false);
    expect(toMontgomeryForm(p)).toBe(p);
    expect(p.montgomery).toBe(true);
    for (let l = 0; l < basis.size; l++) {
      const q = basis.moduli[l]!.value;
      for (let i = 0; i < N; i++) expect(p.limb(l)[i]).toBe((plain.limb(l)[i]! * R) % q);
    }
    const back = fromMontgomeryForm(p);
    expect(back.montgomery).toBe(false);
    expect(p.montgomery).toBe(true); // the input is unchanged
    expect([...back.data]).toEqual([...plain.data]);
    expectCkksError(() => toMontgomeryForm(p), 'FORM_MISMATCH'); // twice would multiply by 2^128
    expectCkksError(() => fromMontgomeryForm(plain), 'FORM_MISMATCH');
  });

  it('copies, views, copyFrom and the NTT keep the flag', () => {
    const p = toMontgomeryForm(poly(2));
    expect(p.clone().montgomery).toBe(true);
    expect(p.dropLastLimbs(1).montgomery).toBe(true);
    const target = poly(3);
    expect(target.copyFrom(p).montgomery).toBe(true);
    expect(target.copyFrom(poly(4)).montgomery).toBe(false);
    p.toCoefficient();
    expect(p.montgomery).toBe(true);
    p.toEvaluation();
    expect(p.montgomery).toBe(true);
    p.requireMontgomery(true, 'test');
    expectCkksError(() => p.requireMontgomery(false, 'test'), 'FORM_MISMATCH');
  });

  it('sums need one domain and keep it; a product may have one Montgomery operand (and is then one), not two', () => {
    const a = poly(5);
    const b = poly(6);
    const aM = toMontgomeryForm(a.clone());
    const bM = toMontgomeryForm(b.clone());
    for (const op of [polyAdd, polySub]) {
      expectCkksError(() => op(a, bM, new RnsPoly(basis, 'evaluation')), 'FORM_MISMATCH');
      expectCkksError(() => op(aM, b, new RnsPoly(basis, 'evaluation')), 'FORM_MISMATCH');
      const sumM = op(aM, bM, new RnsPoly(basis, 'evaluation'));
      expect(sumM.montgomery).toBe(true);
      // (x·R ± y·R) = (x ± y)·R: out of Montgomery form it is the plain sum
      expect([...fromMontgomeryForm(sumM).data]).toEqual([...op(a, b, new RnsPoly(basis, 'evaluation')).data]);
      // a plain output over a Montgomery-flagged buffer is relabelled, not left stale
      const reused = toMontgomeryForm(poly(7));
      expect(op(a, b, reused).montgomery).toBe(false);
    }
    expect(polyNeg(aM, new RnsPoly(basis, 'evaluation')).montgomery).toBe(true);
    expectCkksError(() => polyMul(aM, bM, new RnsPoly(basis, 'evaluation')), 'FORM_MISMATCH');
    const mixed = polyMul(aM, b, new RnsPoly(basis, 'evaluation'));
    expect(mixed.montgomery).toBe(true);
    for (let l = 0; l < basis.size; l++) {
      const q = basis.moduli[l]!.value;
      for (let i = 0; i < N; i++) expect(mixed.limb(l)[i]).toBe((((a.limb(l)[i]! * b.limb(l)[i]!) % q) * R) % q);
    }
    expect(polyMul(a, b, toMontgomeryForm(poly(8))).montgomery).toBe(false);
  });

  it('switching keys hold Montgomery-form evaluation polynomials, and refuse anything else', () => {
    const F = fixture({ logN: 10, logQ: [50, 40], logP: [55], logDefaultScale: 40 }, 3, [1]);
    const sk = F.keygen.secretKey();
    const relin = F.keygen.relinearizationKey(sk);
    const galois = [...F.keygen.galoisKeys(sk, [1]).values()][0]!;
    for (const key of [relin, galois]) for (const p of [...key.b, ...key.a]) expect(p.montgomery).toBe(true);
    const plainB = relin.b.map((p) => fromMontgomeryForm(p));
    expectCkksError(() => new SwitchingKey(F.ctx, plainB, relin.a, relin.seed), 'FORM_MISMATCH');
    const coefficientA = relin.a.map((p) => p.clone().toCoefficient());
    expectCkksError(() => new SwitchingKey(F.ctx, relin.b, coefficientA, relin.seed), 'FORM_MISMATCH');
    // the format stores plain residues; reading restores the Montgomery form (seeded and full)
    for (const seeded of [true, false]) {
      const r = deserializeRelinearizationKey(F.ctx, serializeRelinearizationKey(relin, { seeded }));
      const g = deserializeGaloisKey(F.ctx, serializeGaloisKey(galois, { seeded }));
      for (const [read, original] of [[r, relin], [g, galois]] as const) {
        read.b.forEach((p, j) => {
          expect(p.montgomery).toBe(true);
          expect([...p.data]).toEqual([...original.b[j]!.data]);
        });
        read.a.forEach((p) => expect(p.montgomery).toBe(true));
      }
    }
  });

  it('the encoder flags the operands it encodes in Montgomery form, and only those', () => {
    const F = fixture({ logN: 10, logQ: [50, 40], logP: [55], logDefaultScale: 40 }, 4);
    const values = Float64Array.from({ length: 8 }, (_, i) => i / 8 - 0.5);
    const operand = F.encoder.encodeOperand(values, { extended: true });
    expect(operand.montgomery).toBe(true);
    expect(F.encoder.materializeOperand(F.encoder.prepareOperand(values, { extended: false })).montgomery).toBe(true);
    expect(F.encoder.encode(values).poly.montgomery).toBe(false);
    // the same message: the plain encoding times 2^64 mod q, limb by limb (Q_ℓ part)
    const plain = F.encoder.encode(values).poly;
    for (let l = 0; l < plain.limbCount; l++) {
      const q = plain.basis.moduli[l]!.value;
      for (let i = 0; i < 32; i++) expect(operand.limb(l)[i]).toBe((plain.limb(l)[i]! * R) % q);
    }
  });
});
