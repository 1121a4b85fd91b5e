// Prime generation and roots of unity vs independent checks (big-integer's isPrime, trial division).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import bigInt from 'big-integer';
import { generateNttPrimes, isPrime, primitiveRootOfUnity } from '../../src/ckks/ring/primes.js';
import { modPow } from '../../src/ckks/ring/modularScalar.js';

function trialDivisionIsPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

describe('isPrime (deterministic Miller–Rabin)', () => {
  it('matches trial division on every n < 20000', () => {
    for (let n = 0; n < 20000; n++) expect(isPrime(BigInt(n))).toBe(trialDivisionIsPrime(n));
  });
  it('rejects strong pseudoprimes to many bases and Carmichael numbers', () => {
    // 3215031751 is a strong pseudoprime to bases 2, 3, 5, 7; 3825123056546413051 to bases 2..23;
    // 318665857834031151167461 to bases 2..37 (beyond 2^64 and beyond our guarantee, so not tested).
    for (const n of [561n, 41041n, 3215031751n, 3825123056546413051n, 2n ** 61n - 3n]) expect(isPrime(n)).toBe(false);
    expect(isPrime(2n ** 61n - 1n)).toBe(true); // Mersenne prime
    expect(isPrime(18446744073709551557n)).toBe(true); // largest prime below 2^64
  });
  it('agrees with big-integer isProbablePrime on random 40..64-bit values', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n << 40n, max: (1n << 64n) - 1n }), (n) => {
      expect(isPrime(n)).toBe(bigInt(n.toString()).isProbablePrime(30));
    }), { numRuns: 200 });
  });
});

describe('generateNttPrimes', () => {
  it('returns distinct, descending primes ≡ 1 mod 2N of the requested bit size', () => {
    for (const [bits, count, n] of [[60, 5, 1 << 16], [40, 8, 1 << 14], [51, 3, 1 << 17], [30, 4, 1 << 10], [62, 2, 1 << 12]] as const) {
      const primes = generateNttPrimes(bits, count, n);
      expect(primes).toHaveLength(count);
      for (let i = 0; i < count; i++) {
        const p = primes[i]!;
        expect(bigInt(p.toString()).isProbablePrime(30)).toBe(true);
        expect(p % BigInt(2 * n)).toBe(1n);
        expect(p.toString(2)).toHaveLength(bits);
        if (i > 0) expect(p < primes[i - 1]!).toBe(true);
      }
      // Nothing skipped: no prime ≡ 1 mod 2N lies between consecutive outputs or above the first.
      const step = BigInt(2 * n);
      for (let c = primes[0]! + step; c < 1n << BigInt(bits); c += step) expect(isPrime(c)).toBe(false);
    }
  });
  it('honours the exclusion list and fails clearly when the interval runs out', () => {
    const [first, second] = generateNttPrimes(50, 2, 1 << 12);
    expect(generateNttPrimes(50, 1, 1 << 12, [first!])[0]).toBe(second);
    expect(() => generateNttPrimes(12, 50, 1 << 10)).toThrow(RangeError);
    expect(() => generateNttPrimes(63, 1, 1 << 10)).toThrow(RangeError);
    expect(() => generateNttPrimes(40, 1, 1000)).toThrow(RangeError);
  });
});

describe('primitiveRootOfUnity', () => {
  it('has order exactly 2N', () => {
    for (const logN of [1, 4, 10, 16, 17]) {
      const twoN = 2 ** (logN + 1);
      const [q] = generateNttPrimes(55, 1, 2 ** logN);
      const psi = primitiveRootOfUnity(twoN, q!);
      expect(modPow(psi, BigInt(twoN), q!)).toBe(1n);
      expect(modPow(psi, BigInt(twoN / 2), q!)).toBe(q! - 1n);
    }
  });
  it('rejects orders that do not divide q − 1 and composite moduli', () => {
    expect(() => primitiveRootOfUnity(1 << 20, 65537n)).toThrow(RangeError);
    expect(() => primitiveRootOfUnity(4, 65535n)).toThrow(RangeError);
  });
});
