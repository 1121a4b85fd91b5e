// NTT-domain rescaling vs BigInt: result ≡ ⌊(x + ⌊q_ℓ/2⌋)/q_ℓ⌋ = round(x/q_ℓ) (ties up) modulo q_0…q_{ℓ−1},
// exactly. Small insecure N = 2^4..2^6 with 2–5 primes of 30–61 bits.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { rescaleByLastPrime } from '../../src/ckks/scheme/rescale.js';

const N = 32;
const PRIMES = [...generateNttPrimes(61, 2, N), ...generateNttPrimes(30, 2, N), ...generateNttPrimes(50, 1, N)];

describe('rescaleByLastPrime (small insecure N = 32)', () => {
  it('equals BigInt round(x / q_last) mod each remaining prime, including edge values', () => {
    const arb = fc.integer({ min: 2, max: 5 }).chain((k) => {
      const primes = PRIMES.slice(0, k);
      const Q = primes.reduce((a, b) => a * b, 1n);
      const last = primes[k - 1]!;
      const edge = [0n, 1n, Q - 1n, Q / 2n, Q / 2n + 1n, last / 2n, last / 2n + 1n, last - 1n, last];
      return fc.tuple(fc.constant(primes), fc.array(fc.oneof(fc.bigInt({ min: 0n, max: Q - 1n }), fc.constantFrom(...edge)), { minLength: N, maxLength: N }));
    });
    fc.assert(fc.property(arb, ([primes, xs]) => {
      const basis = RnsBasis.create(N, primes);
      const a = RnsPoly.fromCoefficients(basis, xs).toEvaluation();
      const r = rescaleByLastPrime(a).toCoefficient();
      const last = primes[primes.length - 1]!;
      const half = last / 2n;
      for (let j = 0; j < N; j++) {
        const expected = (xs[j]! + half) / last;
        for (let i = 0; i < primes.length - 1; i++) expect(r.limb(i)[j]).toBe(expected % primes[i]!);
      }
    }), { numRuns: 100 });
  });
  it('refuses coefficient form and single-prime polynomials', () => {
    const basis = RnsBasis.create(N, PRIMES.slice(0, 2));
    expect(() => rescaleByLastPrime(new RnsPoly(basis, 'coefficient'))).toThrow(/FORM_MISMATCH/);
    expect(() => rescaleByLastPrime(new RnsPoly(basis.prefix(1), 'evaluation'))).toThrow(RangeError);
  });
});
