// The library's one ModDown (`ModDownConverter`: rounded division by the trailing "dropped" primes D, evaluation
// form) against an independent BigInt oracle. For an input integer x (chosen first; random, edge values, read in
// [0, K·D) or centred) with k dropped primes d_j, H = ⌊k·D/2⌋ and y = x + H, the documented result is
//   (y − Σ_j t_j·D/d_j)/D  with  t_j = [y·(D/d_j)^{-1}]_{d_j}     (the fast base conversion of [y]_D, computed here
// with BigInt), exactly, modulo every kept prime; it lies within (−k/2 − 1/D, k/2] of x/D, and is round(x/D) for
// k = 1. Small INSECURE ring degrees N = 2^4..2^8 and one N = 2^12 (several conversion blocks), 30–61-bit primes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ModDownConverter } from '../../src/ckks/ring/modDown.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import type { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { basisOf, modP, polyOf, primeGroupsArb, prod, roundDiv, valuesArb } from '../support/rnsOracle.js';

const MAX_LOG_N = 8;
const POOL: bigint[] = [30, 36, 45, 50, 55, 59, 60, 61].flatMap((bits) => generateNttPrimes(bits, 6, 1 << MAX_LOG_N));

/** a^{-1} mod a prime d (Fermat). */
function inversePrime(a: bigint, d: bigint): bigint {
  let result = 1n;
  let base = modP(a, d);
  for (let e = d - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % d;
    base = (base * base) % d;
  }
  return result;
}

/** The documented ModDown result for the integer x (see the header), as an integer. */
function oracle(x: bigint, dropped: readonly bigint[]): bigint {
  const D = prod(dropped);
  const y = x + (BigInt(dropped.length) * D) / 2n;
  let conv = 0n;
  for (const d of dropped) {
    const dHat = D / d;
    conv += modP(modP(y, d) * inversePrime(dHat, d), d) * dHat;
  }
  const exact = y - conv;
  expect(modP(exact, D)).toBe(0n); // conv ≡ y (mod D): the division is exact
  return exact / D;
}

/** Runs ModDown on integers xs over kept ∪ dropped (evaluation form in, coefficients out), with an optional addend. */
function run(conv: ModDownConverter, xs: readonly bigint[], addend?: readonly bigint[]): RnsPoly {
  const x = polyOf(conv.input, xs).toEvaluation();
  const e = addend === undefined ? undefined : polyOf(conv.input, addend);
  const out = conv.apply(x, e);
  expect(out.form).toBe('evaluation');
  conv.kept.assertSame(out.basis, 'test');
  return out.toCoefficient();
}

function checkAgainstOracle(out: RnsPoly, kept: readonly bigint[], dropped: readonly bigint[], xs: readonly bigint[]): void {
  const n = out.basis.ringDegree;
  const D = prod(dropped);
  const k = BigInt(dropped.length);
  for (let c = 0; c < xs.length; c++) {
    const want = oracle(xs[c]!, dropped);
    kept.forEach((q, i) => expect(out.data[i * n + c], `coefficient ${c} mod prime ${i}: x = ${xs[c]}`).toBe(modP(want, q)));
    // stated bound: want − x/D ∈ (−k/2 − 1/D, k/2]; exact rounding with one dropped prime
    const twice = 2n * (want * D - xs[c]!);
    expect(twice > -k * D - 2n && twice <= k * D, `bound at coefficient ${c}`).toBe(true);
    if (k === 1n) expect(want).toBe(roundDiv(xs[c]!, D));
  }
}

describe('ModDownConverter: rounded division by the dropped primes (small insecure N)', () => {
  it('equals the BigInt oracle exactly, for x in [0, K·D) and centred x, 1–4 kept and 1–3 dropped primes', () => {
    const arb = primeGroupsArb(POOL, MAX_LOG_N, [[1, 4], [1, 3]]).chain(({ n, groups }) => {
      const all = [...groups[0]!, ...groups[1]!];
      const D = prod(groups[1]!);
      // rounding boundaries of the division: x ≡ D/2 ± 1, 0, −1 (mod D)
      const boundaries = [D / 2n - 1n, D / 2n, D / 2n + 1n, D - 1n, D, 3n * D + D / 2n];
      return fc.tuple(fc.constant(n), fc.constant(groups), valuesArb(n, all, boundaries), fc.boolean());
    });
    fc.assert(fc.property(arb, ([n, [kept, dropped], xs0, centred]) => {
      const KD = prod([...kept!, ...dropped!]);
      const xs = centred ? xs0.map((x) => (2n * x > KD ? x - KD : x)) : xs0;
      const conv = new ModDownConverter(basisOf(n, kept!), basisOf(n, dropped!));
      checkAgainstOracle(run(conv, xs), kept!, dropped!, xs);
    }), { numRuns: 80 });
  });

  it('addend in coefficient form: apply(x, e) equals the oracle for x + e, bit for bit', () => {
    const arb = primeGroupsArb(POOL, 6, [[1, 3], [1, 2]]).chain(({ n, groups }) => fc.tuple(
      fc.constant(n), fc.constant(groups), valuesArb(n, [...groups[0]!, ...groups[1]!]),
      fc.array(fc.bigInt({ min: -40n, max: 40n }), { minLength: n, maxLength: n })));
    fc.assert(fc.property(arb, ([n, [kept, dropped], xs, es]) => {
      const conv = new ModDownConverter(basisOf(n, kept!), basisOf(n, dropped!));
      checkAgainstOracle(run(conv, xs, es), kept!, dropped!, xs.map((x, i) => x + es[i]!));
    }), { numRuns: 40 });
  });

  it('N = 2^12 (several 1024-coefficient conversion blocks), 3 kept and 2 dropped primes', () => {
    const n = 1 << 12;
    const kept = [...generateNttPrimes(50, 2, n), ...generateNttPrimes(36, 1, n)];
    const dropped = generateNttPrimes(61, 2, n);
    const conv = new ModDownConverter(basisOf(n, kept), basisOf(n, dropped));
    const M = prod([...kept, ...dropped]);
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: M - 1n }), { minLength: n, maxLength: n }), (xs) => {
      checkAgainstOracle(run(conv, xs), kept, dropped, xs);
    }), { numRuns: 2, endOnFailure: true }); // no shrinking of 4096-element arrays on failure
  });

  it('validates its bases, the input basis and forms', () => {
    const n = 16;
    const kept = basisOf(n, POOL.slice(0, 2));
    const dropped = basisOf(n, POOL.slice(40, 42));
    const conv = new ModDownConverter(kept, dropped);
    const wrongOrder: RnsBasis = basisOf(n, [...POOL.slice(40, 42), ...POOL.slice(0, 2)]);
    expectCkksError(() => conv.apply(new RnsPoly(wrongOrder, 'evaluation')), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => conv.apply(new RnsPoly(kept, 'evaluation')), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => conv.apply(new RnsPoly(conv.input, 'coefficient')), 'FORM_MISMATCH');
    expectCkksError(() => conv.apply(new RnsPoly(conv.input, 'evaluation'), new RnsPoly(conv.input, 'evaluation')), 'FORM_MISMATCH');
    expectCkksError(() => conv.apply(new RnsPoly(conv.input, 'evaluation'), new RnsPoly(kept, 'coefficient')), 'INCOMPATIBLE_PARAMETERS');
    expect(() => new ModDownConverter(kept, kept)).toThrow(RangeError);
    expectCkksError(() => new ModDownConverter(kept, basisOf(32, POOL.slice(40, 42))), 'INCOMPATIBLE_PARAMETERS');
  });
});
