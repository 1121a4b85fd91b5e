// Negacyclic NTT vs independent references: direct evaluation at ψ^{2·brv(j)+1} (BigInt), schoolbook
// negacyclic products (BigInt), and the forward/inverse round trip. Small insecure ring degrees.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Modulus } from '../../src/ckks/ring/modulus.js';
import { NttTable, nttForward, nttInverse } from '../../src/ckks/ring/ntt.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { bitReverse, modPow } from '../../src/ckks/ring/modularScalar.js';
import { mulMod } from '../../src/ckks/ring/modularKernels.js';

function schoolbookNegacyclic(a: readonly bigint[], b: readonly bigint[], q: bigint): bigint[] {
  const n = a.length;
  const c = new Array<bigint>(n).fill(0n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = i + j;
      const p = a[i]! * b[j]!;
      if (k < n) c[k] = (c[k]! + p) % q;
      else c[k - n] = ((c[k - n]! - p) % q + q) % q;
    }
  }
  return c;
}

const tableCache = new Map<string, NttTable>();
function table(bits: number, logN: number): NttTable {
  const key = `${bits}/${logN}`;
  let t = tableCache.get(key);
  if (!t) {
    const [q] = generateNttPrimes(bits, 1, 1 << logN);
    t = new NttTable(new Modulus(q!), 1 << logN);
    tableCache.set(key, t);
  }
  return t;
}

const caseArb = fc.record({ bits: fc.constantFrom(30, 45, 59, 60, 61, 62), logN: fc.integer({ min: 1, max: 7 }) }).chain(({ bits, logN }) => {
  const q = table(bits, logN).modulus.value;
  const vec = fc.array(fc.oneof(fc.bigInt({ min: 0n, max: q - 1n }), fc.constantFrom(0n, 1n, q - 1n)), { minLength: 1 << logN, maxLength: 1 << logN });
  return fc.tuple(fc.constant(bits), fc.constant(logN), vec, vec);
});

describe('negacyclic NTT (small insecure N = 2^1..2^7, primes of 30..62 bits)', () => {
  it('forward output j equals a(ψ^{2·brv(j)+1}) evaluated directly with BigInt', () => {
    fc.assert(fc.property(caseArb, ([bits, logN, av]) => {
      const t = table(bits, logN);
      const q = t.modulus.value;
      const a = BigUint64Array.from(av);
      nttForward(a, t);
      for (let j = 0; j < av.length; j++) {
        const x = modPow(t.psi, BigInt(2 * bitReverse(j, logN) + 1), q);
        let acc = 0n;
        for (let i = av.length - 1; i >= 0; i--) acc = (acc * x + av[i]!) % q; // Horner
        expect(a[j]).toBe(acc);
      }
    }), { numRuns: 150 });
  });

  it('inverse ∘ forward is the identity and outputs are fully reduced', () => {
    fc.assert(fc.property(caseArb, ([bits, logN, av]) => {
      const t = table(bits, logN);
      const a = BigUint64Array.from(av);
      nttForward(a, t);
      for (const v of a) expect(v < t.modulus.value).toBe(true);
      nttInverse(a, t);
      expect(Array.from(a)).toEqual(av);
    }), { numRuns: 200 });
  });

  it('INTT(NTT(a) ⊙ NTT(b)) equals the schoolbook negacyclic product', () => {
    fc.assert(fc.property(caseArb, ([bits, logN, av, bv]) => {
      const t = table(bits, logN);
      const m = t.modulus;
      const a = BigUint64Array.from(av), b = BigUint64Array.from(bv);
      nttForward(a, t);
      nttForward(b, t);
      mulMod(a, b, a, m.value, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
      nttInverse(a, t);
      expect(Array.from(a)).toEqual(schoolbookNegacyclic(av, bv, m.value));
    }), { numRuns: 150 });
  });

  it('forward accepts lazy inputs in [0, 4q) (Harvey) with the same result as reduced inputs', () => {
    const t = table(62, 6);
    const q = t.modulus.value;
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: 4n * q - 1n }), { minLength: 64, maxLength: 64 }), (xv) => {
      const lazy = BigUint64Array.from(xv), reduced = BigUint64Array.from(xv, (x) => x % q);
      nttForward(lazy, t);
      nttForward(reduced, t);
      expect(Array.from(lazy)).toEqual(Array.from(reduced));
    }), { numRuns: 50 });
  });
});

describe('NTT at the sizes CKKS uses (N = 2^10 … 2^17)', () => {
  it('round trip and product against schoolbook on sparse inputs, every supported N', () => {
    for (let logN = 10; logN <= 17; logN++) {
      const n = 1 << logN;
      const t = table(60, logN);
      const q = t.modulus.value;
      // Sparse polynomials keep the schoolbook reference cheap at large N: a = 3 + (q−1)X^{N−1}, b = X + 5X^{N−1}.
      const a = new BigUint64Array(n), b = new BigUint64Array(n);
      a[0] = 3n; a[n - 1] = q - 1n; b[1] = 1n; b[n - 1] = 5n;
      // a·b = 3X + 15X^{N−1} − X^N − 5X^{2N−2} = 1 + 3X + 5X^{N−2} + 15X^{N−1}   (X^N = −1)
      const expected = new BigUint64Array(n);
      expected[0] = 1n; expected[1] = 3n; expected[n - 2] = 5n; expected[n - 1] = 15n;
      const m = t.modulus;
      nttForward(a, t); nttForward(b, t);
      mulMod(a, b, a, q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
      nttInverse(a, t);
      expect(a).toEqual(expected);
    }
  });
  it('the forward transform without intermediate reductions (q < 2^64/(2·log2 N + 6)) cannot overflow: worst-case inputs at N = 2^17', () => {
    const logN = 17;
    const n = 1 << logN;
    // 58 and 40 bits take the unreduced kernel at N = 2^17, 60 bits the reducing one; the bound is tightest at 2^17
    for (const [bits, unreduced] of [[58, true], [40, true], [60, false]] as const) {
      const t = table(bits, logN);
      const q = t.modulus.value;
      expect(t.unreducedForward).toBe(unreduced);
      expect(t.unreducedForward).toBe(BigInt(2 * logN + 6) * q < 1n << 64n);
      // every input 4q − 1 (the top of the lazy range): the largest sums every stage can produce
      const top = new BigUint64Array(n).fill(4n * q - 1n);
      nttForward(top, t);
      // a(x) = (4q − 1)·Σ x^i ≡ −Σ x^i: at a root x ≠ 1, Σ_{i<N} x^i = (x^N − 1)/(x − 1) = −2/(x − 1) (x^N = −1)
      for (const j of [0, 1, n / 2, n - 1]) {
        const x = t.evaluationPoint(j);
        const expected = ((2n * modPow(x - 1n, q - 2n, q)) % q + q) % q; // −(−2/(x − 1))
        expect(top[j]).toBe(expected);
      }
      for (let j = 0; j < n; j++) if (top[j]! >= q) throw new Error(`output ${j} not reduced`);
      nttInverse(top, t);
      expect(top.every((v) => v === q - 1n)).toBe(true); // 4q − 1 ≡ q − 1
    }
  });
  it('rejects unsupported sizes and primes that are not ≡ 1 mod 2N', () => {
    const [q] = generateNttPrimes(40, 1, 1 << 10);
    expect(() => new NttTable(new Modulus(q!), 1 << 18)).toThrow(RangeError);
    expect(() => new NttTable(new Modulus(q!), 3)).toThrow(RangeError);
    expect(() => new NttTable(new Modulus(q!), 1 << 12)).toThrow(RangeError); // q ≡ 1 mod 2^11 only
    const t = table(40, 4);
    expect(() => nttForward(new BigUint64Array(8), t)).toThrow(RangeError);
  });
});
