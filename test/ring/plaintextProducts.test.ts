// Shoup-form plaintext products (src/ckks/ring/plaintextProducts.ts) against BigInt: the companions are exactly
// ⌊w·2^64/q⌋, and the pair multiply-accumulate keeps its accumulators in [0, 2q) congruent to acc + w·b mod q, for
// primes up to just below 2^61 and inputs at the edges (0, q − 1, any 64-bit b).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Modulus } from '../../src/ckks/ring/modulus.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { lazyProductCapacity, mulShoupAccumulate2, mulShoupAccumulate2Lazy, plaintextDotLimb, shoupCompanionsFast, shoupForm } from '../../src/ckks/ring/plaintextProducts.js';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';

const PRIMES = [...generateNttPrimes(61, 2, 16), ...generateNttPrimes(50, 1, 16), ...generateNttPrimes(30, 1, 16), 17n];
const U64 = (1n << 64n) - 1n;

describe('Shoup-form plaintext products', () => {
  it('shoupCompanionsFast is ⌊w·2^64/q⌋ exactly', () => {
    for (const q of PRIMES) {
      const m = new Modulus(q);
      fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: q - 1n }), { minLength: 1, maxLength: 40 }), (values) => {
        const w = BigUint64Array.from([0n, 1n, q - 1n, q >> 1n, ...values]);
        const out = new BigUint64Array(w.length);
        shoupCompanionsFast(w, out, m);
        for (let i = 0; i < w.length; i++) expect(out[i]).toBe((w[i]! << 64n) / q);
      }), { numRuns: 50 });
    }
  });

  it('mulShoupAccumulate2: acc_k ← acc_k + w·b_k mod q, kept in [0, 2q)', () => {
    for (const q of PRIMES) {
      const m = new Modulus(q);
      const residue = fc.bigInt({ min: 0n, max: q - 1n });
      const entry = fc.record({ w: residue, b0: fc.bigInt({ min: 0n, max: U64 }), b1: residue, a0: fc.bigInt({ min: 0n, max: 2n * q - 1n }), a1: fc.bigInt({ min: 0n, max: 2n * q - 1n }) });
      fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 4 }), (entries, rounds) => {
        const edges = [{ w: q - 1n, b0: U64, b1: q - 1n, a0: 2n * q - 1n, a1: 2n * q - 1n }, { w: 0n, b0: 0n, b1: 0n, a0: 0n, a1: 0n }];
        const all = [...edges, ...entries];
        const w = BigUint64Array.from(all.map((e) => e.w));
        const wShoup = new BigUint64Array(w.length);
        shoupCompanionsFast(w, wShoup, m);
        const b0 = BigUint64Array.from(all.map((e) => e.b0));
        const b1 = BigUint64Array.from(all.map((e) => e.b1));
        const acc0 = BigUint64Array.from(all.map((e) => e.a0));
        const acc1 = BigUint64Array.from(all.map((e) => e.a1));
        for (let r = 0; r < rounds; r++) mulShoupAccumulate2(w, wShoup, b0, b1, acc0, acc1, q);
        all.forEach((e, i) => {
          expect(acc0[i]! < 2n * q && acc1[i]! < 2n * q).toBe(true);
          expect(acc0[i]! % q).toBe((e.a0 + BigInt(rounds) * e.w * e.b0) % q);
          expect(acc1[i]! % q).toBe((e.a1 + BigInt(rounds) * e.w * e.b1) % q);
        });
      }), { numRuns: 30 });
    }
  });

  it('the reduction-free kernel adds products in [0, 4q); plaintextDotLimb gives the same residues on either path', () => {
    const q40 = generateNttPrimes(40, 1, 16)[0]!;
    for (const q of [q40, ...PRIMES]) {
      const m = new Modulus(q);
      expect(lazyProductCapacity(q)).toBe(Math.min(Number.MAX_SAFE_INTEGER, Number(((1n << 64n) - 1n) / (4n * q))));
      const residue = fc.bigInt({ min: 0n, max: q - 1n });
      fc.assert(fc.property(fc.array(fc.array(residue, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 12 }), (terms) => {
        const n = 4;
        const rows = terms.map(([w, b0, b1]) => ({ w: new BigUint64Array(n).fill(w!), b0: new BigUint64Array(n).fill(b0!), b1: new BigUint64Array(n).fill(b1!) }));
        const ws = rows.map((r) => r.w);
        const wShoup = ws.map((w) => { const o = new BigUint64Array(n); shoupCompanionsFast(w, o, m); return o; });
        const acc0 = new BigUint64Array(n);
        const acc1 = new BigUint64Array(n);
        plaintextDotLimb(ws, wShoup, rows.map((r) => r.b0), rows.map((r) => r.b1), acc0, acc1, m);
        const want0 = terms.reduce((s, [w, b0]) => (s + w! * b0!) % q, 0n);
        const want1 = terms.reduce((s, [w, , b1]) => (s + w! * b1!) % q, 0n);
        for (let i = 0; i < n; i++) {
          expect(acc0[i]).toBe(want0);
          expect(acc1[i]).toBe(want1);
        }
        if (terms.length <= lazyProductCapacity(q)) {
          const lazy0 = new BigUint64Array(n);
          const lazy1 = new BigUint64Array(n);
          rows.forEach((r, t) => mulShoupAccumulate2Lazy(r.w, wShoup[t]!, r.b0, r.b1, lazy0, lazy1, q));
          expect(lazy0[0]! % q).toBe(want0);
          expect(lazy0[0]! < BigInt(terms.length) * 4n * q).toBe(true);
          expect(lazy1[0]! % q).toBe(want1);
        }
      }), { numRuns: 30 });
    }
    // a 61-bit prime takes the reducing path beyond 2 terms (capacity ⌊(2^64 − 1)/(4q)⌋ = 2)
    expect(lazyProductCapacity(PRIMES[0]!)).toBe(2);
  });

  it('shoupForm keeps the polynomial and adds its companions limb by limb', () => {
    const basis = RnsBasis.create(16, PRIMES.slice(0, 3));
    const p = RnsPoly.fromCoefficients(basis, Array.from({ length: 16 }, (_, i) => BigInt(i) ** 20n - 5n)).toEvaluation();
    const { poly, shoup } = shoupForm(p);
    expect(poly).toBe(p);
    expect(shoup.form).toBe('evaluation');
    for (let l = 0; l < basis.size; l++) {
      const q = basis.moduli[l]!.value;
      for (let i = 0; i < 16; i++) expect(shoup.limb(l)[i]).toBe((p.limb(l)[i]! << 64n) / q);
    }
  });
});
