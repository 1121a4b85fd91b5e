// Modular kernels vs BigInt arithmetic (exact equality). Edge values 0, 1, q−1, near 2^62 included.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import bigInt from 'big-integer';
import { Modulus } from '../../src/ckks/ring/modulus.js';
import {
  addMod, mulMod, mulMontgomery, mulMontgomeryAccumulate2, mulScalarShoup,
  reduceBarrettAddScalar, subMulScalarShoup, mulShoup, negMod, reduceBarrett, shoupCompanions, subMod,
} from '../../src/ckks/ring/modularKernels.js';
import { TWO_POW_64, modInverse, modPow } from '../../src/ckks/ring/modularScalar.js';

// Moduli: tiny, mid-size, 60-bit NTT prime, the largest primes below 2^62, and odd composites (the
// kernels do not need primality).
const MODULI = [3n, 65537n, 1152921504606584833n, (1n << 62n) - 57n, 4611686018427387847n, (1n << 61n) + 1n, 1000000007n * 3n];

const arbModulus = fc.constantFrom(...MODULI);
const residueVectors = (q: bigint, len: number) =>
  fc.array(fc.oneof(fc.bigInt({ min: 0n, max: q - 1n }), fc.constantFrom(0n, 1n, q - 1n, q - 2n > 0n ? q - 2n : 0n, q / 2n)), {
    minLength: len, maxLength: len,
  });

const caseArb = arbModulus.chain((q) => fc.tuple(fc.constant(q), residueVectors(q, 17), residueVectors(q, 17)));

describe('modular kernels (reference: BigInt and big-integer, exact)', () => {
  it('addMod / subMod / negMod equal BigInt (a ± b) mod q', () => {
    fc.assert(fc.property(caseArb, ([q, av, bv]) => {
      const a = BigUint64Array.from(av), b = BigUint64Array.from(bv), out = new BigUint64Array(av.length);
      addMod(a, b, out, q);
      for (let i = 0; i < av.length; i++) expect(out[i]).toBe((av[i]! + bv[i]!) % q);
      subMod(a, b, out, q);
      for (let i = 0; i < av.length; i++) expect(out[i]).toBe(((av[i]! - bv[i]!) % q + q) % q);
      negMod(a, out, q);
      for (let i = 0; i < av.length; i++) expect(out[i]).toBe((q - av[i]!) % q);
    }), { numRuns: 300 });
  });

  it('mulMontgomery equals a·b·2^-64 mod q; mulMod equals a·b mod q (big-integer oracle)', () => {
    fc.assert(fc.property(caseArb, ([q, av, bv]) => {
      const m = new Modulus(q);
      const a = BigUint64Array.from(av), b = BigUint64Array.from(bv), out = new BigUint64Array(av.length);
      const rInv = modInverse(TWO_POW_64 % q, q);
      mulMontgomery(a, b, out, q, m.montgomeryNegInverse);
      for (let i = 0; i < av.length; i++) expect(out[i]).toBe((((av[i]! * bv[i]!) % q) * rInv) % q);
      mulMod(a, b, out, q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
      for (let i = 0; i < av.length; i++) {
        const oracle = bigInt(av[i]!.toString()).multiply(bigInt(bv[i]!.toString())).mod(bigInt(q.toString()));
        expect(out[i]!.toString()).toBe(oracle.toString());
      }
    }), { numRuns: 300 });
  });

  it('mulMontgomeryAccumulate2: both lazy sums in [0, 2q) and ≡ acc + a·b·2^-64 mod q (q < 2^61)', () => {
    const below61 = MODULI.filter((q) => q < 1n << 61n);
    const arb = fc.constantFrom(...below61).chain((q) => fc.tuple(
      fc.constant(q), residueVectors(q, 17), residueVectors(q, 17), residueVectors(q, 17), residueVectors(q, 17),
      fc.array(fc.boolean(), { minLength: 17, maxLength: 17 }),
    ));
    fc.assert(fc.property(arb, ([q, av, b0v, b1v, cv, shift]) => {
      const m = new Modulus(q);
      const rInv = modInverse(TWO_POW_64 % q, q);
      // accumulators are lazy: start anywhere in [0, 2q)
      const start = cv.map((c, i) => (shift[i] ? c + q : c));
      const acc0 = BigUint64Array.from(start), acc1 = BigUint64Array.from(start.map((c) => (c + 1n) % (2n * q)));
      mulMontgomeryAccumulate2(BigUint64Array.from(av), BigUint64Array.from(b0v), BigUint64Array.from(b1v), acc0, acc1, q, m.montgomeryNegInverse);
      for (let i = 0; i < av.length; i++) {
        expect(acc0[i]! < 2n * q && acc1[i]! < 2n * q).toBe(true);
        expect(acc0[i]! % q).toBe((start[i]! + ((av[i]! * b0v[i]!) % q) * rInv) % q);
        expect(acc1[i]! % q).toBe((((start[i]! + 1n) % (2n * q)) + ((av[i]! * b1v[i]!) % q) * rInv) % q);
      }
    }), { numRuns: 300 });
  });

  it('fused kernels: subMulScalarShoup = (a − b)·w mod q; reduceBarrettAddScalar = (x mod q + c) mod q for any 64-bit x', () => {
    const arb = arbModulus.chain((q) => fc.tuple(
      fc.constant(q), residueVectors(q, 17), residueVectors(q, 17), fc.bigInt({ min: 0n, max: q - 1n }),
      fc.array(fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, (1n << 64n) - 1n, q, q - 1n)), { minLength: 17, maxLength: 17 }),
    ));
    fc.assert(fc.property(arb, ([q, av, bv, w, xv]) => {
      const m = new Modulus(q);
      const a = BigUint64Array.from(av), b = BigUint64Array.from(bv), out = new BigUint64Array(av.length);
      subMulScalarShoup(a, b, w, (w << 64n) / q, out, q);
      for (let i = 0; i < av.length; i++) expect(out[i]).toBe((((av[i]! - bv[i]!) % q + q) % q * w) % q);
      const x = BigUint64Array.from(xv);
      reduceBarrettAddScalar(x, w, out, q, m.barrett);
      for (let i = 0; i < xv.length; i++) expect(out[i]).toBe((xv[i]! % q + w) % q);
    }), { numRuns: 300 });
  });

  it('Shoup products accept any 64-bit input and equal x·w mod q', () => {
    const arb = arbModulus.chain((q) => fc.tuple(
      fc.constant(q),
      fc.array(fc.oneof(fc.bigInt({ min: 0n, max: TWO_POW_64 - 1n }), fc.constantFrom(0n, TWO_POW_64 - 1n, 4n * q - 1n)), { minLength: 9, maxLength: 9 }),
      residueVectors(q, 9),
    ));
    fc.assert(fc.property(arb, ([q, xv, wv]) => {
      const x = BigUint64Array.from(xv), w = BigUint64Array.from(wv), wp = new BigUint64Array(9), out = new BigUint64Array(9);
      shoupCompanions(w, wp, q);
      for (let i = 0; i < 9; i++) expect(wp[i]).toBe((wv[i]! << 64n) / q);
      mulShoup(x, w, wp, out, q);
      for (let i = 0; i < 9; i++) expect(out[i]).toBe((xv[i]! * wv[i]!) % q);
      const c = wv[0]!;
      mulScalarShoup(x, c, (c << 64n) / q, out, q);
      for (let i = 0; i < 9; i++) expect(out[i]).toBe((xv[i]! * c) % q);
    }), { numRuns: 300 });
  });

  it('Barrett reduction of arbitrary 64-bit words equals x mod q', () => {
    const arb = arbModulus.chain((q) => fc.tuple(fc.constant(q), fc.array(fc.oneof(
      fc.bigInt({ min: 0n, max: TWO_POW_64 - 1n }), fc.constantFrom(0n, 1n, q - 1n, q, 2n * q - 1n, 2n * q, TWO_POW_64 - 1n)), { minLength: 13, maxLength: 13 })));
    fc.assert(fc.property(arb, ([q, xv]) => {
      const m = new Modulus(q);
      const x = BigUint64Array.from(xv), out = new BigUint64Array(xv.length);
      reduceBarrett(x, out, q, m.barrett);
      for (let i = 0; i < xv.length; i++) expect(out[i]).toBe(xv[i]! % q);
    }), { numRuns: 300 });
  });

  it('kernels may write in place (output aliases an input)', () => {
    const q = MODULI[2]!;
    const m = new Modulus(q);
    const av = [5n, q - 1n, 123456789n], bv = [7n, q - 1n, 987654321n];
    const a = BigUint64Array.from(av), b = BigUint64Array.from(bv);
    mulMod(a, b, a, q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
    expect(Array.from(a)).toEqual(av.map((x, i) => (x * bv[i]!) % q));
  });
});

describe('Modulus constants and scalar helpers', () => {
  it('Montgomery/Barrett constants satisfy their defining identities', () => {
    for (const q of MODULI) {
      const m = new Modulus(q);
      expect(BigInt.asUintN(64, m.montgomeryNegInverse * q)).toBe(TWO_POW_64 - 1n); // q·(−q^{-1}) ≡ −1
      expect(m.barrett).toBe(TWO_POW_64 / q);
      expect(m.r2ModQ).toBe(modPow(2n, 128n, q));
      expect((m.rInverse * (TWO_POW_64 % q)) % q).toBe(1n); // R^{-1}·R ≡ 1
      expect(m.rInverse < q).toBe(true);
      expect(m.rInverseShoup).toBe((m.rInverse << 64n) / q);
    }
  });
  it('rejects even, too large, too small and non-bigint moduli with RangeError/TypeError', () => {
    expect(() => new Modulus(1n << 62n)).toThrow(RangeError);
    expect(() => new Modulus(10n)).toThrow(RangeError);
    expect(() => new Modulus(1n)).toThrow(RangeError);
    expect(() => new Modulus(7 as unknown as bigint)).toThrow(TypeError);
  });
  it('modInverse agrees with big-integer and rejects non-invertible values', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: (1n << 61n) }), (a) => {
      const q = MODULI[3]!;
      if (a % q === 0n) return;
      expect(modInverse(a, q).toString()).toBe(bigInt(a.toString()).modInv(bigInt(q.toString())).toString());
    }));
    expect(() => modInverse(6n, 9n)).toThrow(RangeError);
  });
});
