// The library's one rescale (`rescaleByLastPrime`, evaluation form) against an independent BigInt oracle: the
// input integers x are chosen first (random, edge values, and the rounding boundaries x ≡ ⌊q_ℓ/2⌋, ⌊q_ℓ/2⌋ ± 1,
// 0, q_ℓ − 1 mod q_ℓ), read in [0, Q) or centred, and the result must be round(x/q_ℓ) modulo every remaining
// prime, exactly. Small INSECURE ring degrees N = 2^4..2^8 (test-only); 2–6 primes of 30–61 bits.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { rescaleByLastPrime } from '../../src/ckks/ring/rescale.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { basisOf, modP, polyOf, primeGroupsArb, prod, roundDiv, valuesArb } from '../support/rnsOracle.js';

const MAX_LOG_N = 8;
const POOL: bigint[] = [30, 36, 45, 50, 55, 59, 60, 61].flatMap((bits) => generateNttPrimes(bits, 6, 1 << MAX_LOG_N));

describe('rescaleByLastPrime: exact round(x/q_ℓ) (small insecure N = 2^4..2^8)', () => {
  it('equals BigInt round(x/q_ℓ) mod each remaining prime, for x in [0, Q) and centred x; in place and with scratch too', () => {
    const arb = primeGroupsArb(POOL, MAX_LOG_N, [[2, 6]]).chain(({ n, groups }) => {
      const qs = groups[0]!;
      const ql = qs[qs.length - 1]!;
      const h = ql >> 1n;
      const Q = prod(qs);
      // rounding boundaries: x ≡ h − 1, h, h + 1, q_ℓ − 1, 0 (mod q_ℓ), at the bottom, middle and top of [0, Q)
      const boundaries = [h - 1n, h, h + 1n, ql - 1n, ql].flatMap((d) => [d, (Q / ql / 3n) * ql + d, Q - ql + d, ((Q >> 1n) / ql) * ql + d]);
      return fc.tuple(fc.constant(n), fc.constant(qs), valuesArb(n, qs, boundaries), fc.boolean());
    });
    fc.assert(fc.property(arb, ([n, qs, xs0, centred]) => {
      const Q = prod(qs);
      const ql = qs[qs.length - 1]!;
      const xs = centred ? xs0.map((x) => (2n * x > Q ? x - Q : x)) : xs0;
      const a = polyOf(basisOf(n, qs), xs).toEvaluation();
      const before = a.data.slice();
      const out = rescaleByLastPrime(a);
      expect(out.form).toBe('evaluation');
      expect(out.basis.primes).toEqual(qs.slice(0, -1));
      expect(Array.from(a.data)).toEqual(Array.from(before)); // the input is unchanged
      const coeffs = out.clone().toCoefficient();
      for (let c = 0; c < n; c++) {
        const expected = roundDiv(xs[c]!, ql);
        for (let i = 0; i < qs.length - 1; i++) expect(coeffs.data[i * n + c], `coefficient ${c}, prime ${i}`).toBe(modP(expected, qs[i]!));
      }
      const withScratch = rescaleByLastPrime(a, undefined, new BigUint64Array(n));
      expect(Array.from(withScratch.data)).toEqual(Array.from(out.data));
      const inPlace = rescaleByLastPrime(a, a.dropLastLimbs());
      expect(Array.from(inPlace.data)).toEqual(Array.from(out.data));
    }), { numRuns: 80 });
  });

  it('refuses coefficient form, single-prime polynomials, a wrong output basis and an overlapping output', () => {
    const b = basisOf(16, POOL.slice(0, 3));
    const a = polyOf(b, [1n, 2n]).toEvaluation();
    expectCkksError(() => rescaleByLastPrime(a.clone().toCoefficient()), 'FORM_MISMATCH');
    expect(() => rescaleByLastPrime(new RnsPoly(b.prefix(1), 'evaluation'))).toThrow(RangeError);
    const shifted = new RnsPoly(b.prefix(2), 'evaluation', a.data.subarray(16, 48));
    expect(() => rescaleByLastPrime(a, shifted)).toThrow(/dropLastLimbs|disjoint/);
    expectCkksError(() => rescaleByLastPrime(a, new RnsPoly(b, 'evaluation')), 'INCOMPATIBLE_PARAMETERS');
  });
});
