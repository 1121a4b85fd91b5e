// Shoup-form plaintext products (src/ckks/ring/plaintextProducts.ts) against BigInt: the companions are exactly
// ⌊w·2^64/q⌋, and the pair multiply-accumulate keeps its accumulators in [0, 2q) congruent to acc + w·b mod q, for
// primes up to just below 2^61 and inputs at the edges (0, q − 1, any 64-bit b).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Modulus } from '../../src/ckks/ring/modulus.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import {
  lazyProductCapacity, mulShoupAccumulate2, mulShoupAccumulate2Blocked, mulShoupAccumulate2Lazy, mulShoupAccumulate2LazyBlocked, mulShoupAccumulateBlocked,
  mulShoupAccumulateLazyBlocked, mulShoupKeysAccumulate2, plaintextDotLimb, plaintextDotLimb1, shoupCompanionsFast, shoupForm,
} from '../../src/ckks/ring/plaintextProducts.js';
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

  it('mulShoupKeysAccumulate2: acc_0 ← acc_0 + x·w_b, acc_1 ← acc_1 + x·w_a mod q (two fixed operands, one x), kept in [0, 2q)', () => {
    for (const q of PRIMES) {
      const m = new Modulus(q);
      const residue = fc.bigInt({ min: 0n, max: q - 1n });
      const entry = fc.record({ x: fc.bigInt({ min: 0n, max: U64 }), wb: residue, wa: residue, a0: fc.bigInt({ min: 0n, max: 2n * q - 1n }), a1: fc.bigInt({ min: 0n, max: 2n * q - 1n }) });
      fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 4 }), (entries, rounds) => {
        const all = [{ x: U64, wb: q - 1n, wa: q - 1n, a0: 2n * q - 1n, a1: 2n * q - 1n }, { x: 0n, wb: 0n, wa: 0n, a0: 0n, a1: 0n }, ...entries];
        const x = BigUint64Array.from(all.map((e) => e.x));
        const wb = BigUint64Array.from(all.map((e) => e.wb));
        const wa = BigUint64Array.from(all.map((e) => e.wa));
        const [wbShoup, waShoup] = [new BigUint64Array(x.length), new BigUint64Array(x.length)];
        shoupCompanionsFast(wb, wbShoup, m);
        shoupCompanionsFast(wa, waShoup, m);
        const acc0 = BigUint64Array.from(all.map((e) => e.a0));
        const acc1 = BigUint64Array.from(all.map((e) => e.a1));
        for (let r = 0; r < rounds; r++) mulShoupKeysAccumulate2(x, wb, wbShoup, wa, waShoup, acc0, acc1, q);
        all.forEach((e, i) => {
          expect(acc0[i]! < 2n * q && acc1[i]! < 2n * q).toBe(true);
          expect(acc0[i]! % q).toBe((e.a0 + BigInt(rounds) * e.x * e.wb) % q);
          expect(acc1[i]! % q).toBe((e.a1 + BigInt(rounds) * e.x * e.wa) % q);
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

  it('one-part kernels (mixed hoisting, limbs of P): plaintextDotLimb1 = Σ_t w_t[i >> blockLog]·c_t[i] mod q, on either path', () => {
    const q40 = generateNttPrimes(40, 1, 16)[0]!;
    for (const q of [q40, ...PRIMES]) {
      const m = new Modulus(q);
      const residue = fc.bigInt({ min: 0n, max: q - 1n });
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 }), fc.array(fc.array(residue, { minLength: 9, maxLength: 9 }), { minLength: 1, maxLength: 12 }), (blockLog, terms) => {
        // terms: per term one plaintext word per run (8 >> blockLog of them) and the 8 ciphertext residues
        const n = 8;
        const runs = n >> blockLog;
        const w = terms.map((t) => BigUint64Array.from(t.slice(0, runs)));
        const wShoup = w.map((x) => { const o = new BigUint64Array(runs); shoupCompanionsFast(x, o, m); return o; });
        const c = terms.map((t) => BigUint64Array.from(t.slice(1, 9)));
        const want = Array.from({ length: n }, (_, i) => terms.reduce((s, _t, k) => (s + w[k]![i >> blockLog]! * c[k]![i]!) % q, 0n));
        const acc = new BigUint64Array(n);
        plaintextDotLimb1(w, wShoup, c, acc, m, blockLog);
        expect([...acc]).toEqual(want);
        // the reducing kernel keeps [0, 2q) and the residues; the lazy one adds products in [0, 4q)
        const reducing = new BigUint64Array(n).fill(2n * q - 1n);
        const lazy = new BigUint64Array(n);
        w.forEach((x, k) => {
          mulShoupAccumulateBlocked(x, wShoup[k]!, blockLog, c[k]!, reducing, q);
          if (k < lazyProductCapacity(q)) mulShoupAccumulateLazyBlocked(x, wShoup[k]!, blockLog, c[k]!, lazy, q);
        });
        const lazyTerms = Math.min(terms.length, lazyProductCapacity(q));
        for (let i = 0; i < n; i++) {
          expect(reducing[i]! < 2n * q).toBe(true);
          expect(reducing[i]! % q).toBe((want[i]! + 2n * q - 1n) % q);
          const partial = w.slice(0, lazyTerms).reduce((s, x, k) => s + x[i >> blockLog]! * c[k]![i]!, 0n) % q;
          expect(lazy[i]! % q).toBe(partial);
          expect(lazy[i]! < BigInt(lazyTerms) * 4n * q).toBe(true);
        }
      }), { numRuns: 25 });
    }
    expect(() => plaintextDotLimb1([new BigUint64Array(3)], [new BigUint64Array(3)], [new BigUint64Array(8)], new BigUint64Array(8), new Modulus(PRIMES[0]!), 1)).toThrow(RangeError);
  });

  it('shoupForm copies the residues and adds their companions limb by limb (blockLog 0: every entry)', () => {
    const basis = RnsBasis.create(16, PRIMES.slice(0, 3));
    const p = RnsPoly.fromCoefficients(basis, Array.from({ length: 16 }, (_, i) => BigInt(i) ** 20n - 5n)).toEvaluation();
    const w = shoupForm(p);
    expect(w.blockLog).toBe(0);
    expect(w.wordsPerLimb).toBe(16);
    expect(w.values).not.toBe(p.data);
    for (let l = 0; l < basis.size; l++) {
      const q = basis.moduli[l]!.value;
      for (let i = 0; i < 16; i++) {
        expect(w.limb(l)[i]).toBe(p.limb(l)[i]);
        expect(w.shoupLimb(l)[i]).toBe((p.limb(l)[i]! << 64n) / q);
      }
    }
    expect(() => w.limb(3)).toThrow(RangeError);
    expect(() => w.shoupLimb(-1)).toThrow(RangeError);
    expect(() => shoupForm(RnsPoly.fromCoefficients(basis, [1n]))).toThrow(/form|evaluation/i);
  });

  // p(X) = p'(X^g) (a message in N/(2g) slots): its evaluation form, in the NTT's bit-reversed order, is constant on
  // runs of g entries, so one word per run is stored
  const N = 64;
  const sparse = (g: number, seedValue: number): RnsPoly => {
    const basis = RnsBasis.create(N, generateNttPrimes(50, 2, N));
    const coefficients = Array.from({ length: N }, (_, i) => (i % g === 0 ? BigInt((i * 7919 + seedValue) % 1000) - 500n : 0n));
    return RnsPoly.fromCoefficients(basis, coefficients).toEvaluation();
  };

  it('shoupForm with blockLog: one residue per run of 2^blockLog equal entries; refused when the runs differ', () => {
    for (const g of [2, 8, 64]) {
      const p = sparse(g, g);
      const w = shoupForm(p, Math.log2(g));
      expect(w.wordsPerLimb).toBe(N / g);
      for (let l = 0; l < 2; l++) {
        const q = p.basis.moduli[l]!.value;
        for (let j = 0; j < N; j++) expect(w.limb(l)[j >> Math.log2(g)]).toBe(p.limb(l)[j]); // every entry of the run
        for (let k = 0; k < N / g; k++) expect(w.shoupLimb(l)[k]).toBe((w.limb(l)[k]! << 64n) / q);
      }
      // a polynomial in X^g is not one in X^(2g): runs of 2g entries differ
      if (g < N) expect(() => shoupForm(p, Math.log2(2 * g))).toThrow(/not constant on runs/);
    }
    expect(() => shoupForm(sparse(1, 3), 1)).toThrow(RangeError);
    expect(() => shoupForm(sparse(2, 3), 7)).toThrow(RangeError); // 2^7 > N
    expect(() => shoupForm(sparse(2, 3), -1)).toThrow(RangeError);
  });

  it('the run-wise kernels equal BigInt sums of w[j >> b]·b_k[j] (reducing and reduction-free), and plaintextDotLimb with blockLog', () => {
    for (const q of PRIMES) {
      const m = new Modulus(q);
      const residue = fc.bigInt({ min: 0n, max: q - 1n });
      fc.assert(fc.property(fc.integer({ min: 0, max: 3 }), fc.array(residue, { minLength: 3 * 16, maxLength: 3 * 16 }), fc.integer({ min: 1, max: 5 }), (blockLog, pool, terms) => {
        const n = 16;
        const per = n >> blockLog;
        const rows = Array.from({ length: terms }, (_, t) => ({
          w: BigUint64Array.from({ length: per }, (_, k) => pool[(t * 7 + k) % pool.length]!),
          b0: BigUint64Array.from({ length: n }, (_, i) => pool[(t * 3 + i + 16) % pool.length]!),
          b1: BigUint64Array.from({ length: n }, (_, i) => pool[(t * 5 + i + 32) % pool.length]!),
        }));
        const wShoup = rows.map((r) => { const o = new BigUint64Array(per); shoupCompanionsFast(r.w, o, m); return o; });
        const want = (k: 'b0' | 'b1', i: number) => rows.reduce((s, r) => (s + r.w[i >> blockLog]! * r[k][i]!) % q, 0n);
        // reducing kernel, accumulators in [0, 2q)
        const a0 = new BigUint64Array(n);
        const a1 = new BigUint64Array(n);
        rows.forEach((r, t) => mulShoupAccumulate2Blocked(r.w, wShoup[t]!, blockLog, r.b0, r.b1, a0, a1, q));
        // reduction-free kernel while it has headroom
        const lazyTerms = Math.min(terms, lazyProductCapacity(q));
        const l0 = new BigUint64Array(n);
        const l1 = new BigUint64Array(n);
        rows.slice(0, lazyTerms).forEach((r, t) => mulShoupAccumulate2LazyBlocked(r.w, wShoup[t]!, blockLog, r.b0, r.b1, l0, l1, q));
        const d0 = new BigUint64Array(n);
        const d1 = new BigUint64Array(n);
        plaintextDotLimb(rows.map((r) => r.w), wShoup, rows.map((r) => r.b0), rows.map((r) => r.b1), d0, d1, m, blockLog);
        for (let i = 0; i < n; i++) {
          expect(a0[i]! < 2n * q && a1[i]! < 2n * q).toBe(true);
          expect(a0[i]! % q).toBe(want('b0', i));
          expect(a1[i]! % q).toBe(want('b1', i));
          expect(d0[i]).toBe(want('b0', i));
          expect(d1[i]).toBe(want('b1', i));
          const lazyWant = rows.slice(0, lazyTerms).reduce((s, r) => (s + r.w[i >> blockLog]! * r.b0[i]!) % q, 0n);
          expect(l0[i]! % q).toBe(lazyWant);
          expect(l0[i]! < BigInt(lazyTerms) * 4n * q).toBe(true);
        }
      }), { numRuns: 20 });
    }
  });

  it('plaintextDotLimb refuses plaintext limbs of the wrong length for the blockLog', () => {
    const q = PRIMES[1]!;
    const m = new Modulus(q);
    const full = new BigUint64Array(16);
    const half = new BigUint64Array(8);
    expect(() => plaintextDotLimb([half], [half], [full], [full], new BigUint64Array(16), new BigUint64Array(16), m, 0)).toThrow(RangeError);
    expect(() => plaintextDotLimb([full], [full], [full], [full], new BigUint64Array(16), new BigUint64Array(16), m, 1)).toThrow(RangeError);
    expect(() => plaintextDotLimb([half], [full], [full], [full], new BigUint64Array(16), new BigUint64Array(16), m, 1)).toThrow(RangeError);
  });
});
