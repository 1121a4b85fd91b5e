// Mixed-radix (Garner) centered lift vs explicit BigInt CRT + centering, for values of every magnitude
// (0, ±1, ±2^k up to ±Q/2·(1 − 1/q_top)). Tolerance: relative 2^-50 (float64 Horner over ≤ 6 digits).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { mixedRadixToFloat } from '../../src/ckks/scheme/mixedRadix.js';

const N = 16;
const PRIMES = [...generateNttPrimes(60, 2, N), ...generateNttPrimes(40, 3, N), ...generateNttPrimes(55, 1, N)];

describe('mixedRadixToFloat', () => {
  it('equals the centered CRT value (BigInt reference) within 2^-50 relative, 1–6 primes', () => {
    const arb = fc.integer({ min: 1, max: PRIMES.length }).chain((k) => {
      const primes = PRIMES.slice(0, k);
      const Q = primes.reduce((a, b) => a * b, 1n);
      const limit = Q / 2n - Q / (2n * primes[k - 1]!) - 1n; // outside the documented boundary band
      return fc.tuple(fc.constant(primes), fc.array(fc.oneof(
        fc.bigInt({ min: -limit, max: limit }),
        fc.integer({ min: 0, max: 200 }).map((e) => (1n << BigInt(e)) % limit),
        fc.integer({ min: 0, max: 200 }).map((e) => -((1n << BigInt(e)) % limit)),
        fc.constantFrom(0n, 1n, -1n),
      ), { minLength: 1, maxLength: 40 }), fc.constantFrom(1, 2 ** 40));
    });
    fc.assert(fc.property(arb, ([primes, xs, scale]) => {
      const basis = RnsBasis.create(N, primes);
      const residues = primes.map((q) => BigUint64Array.from(xs, (x) => ((x % q) + q) % q));
      const out = new Float64Array(xs.length);
      mixedRadixToFloat(basis, residues, scale, out);
      xs.forEach((x, t) => {
        const want = Number(x) / scale;
        expect(Math.abs(out[t]! - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -50);
      });
    }), { numRuns: 200 });
  });
});
