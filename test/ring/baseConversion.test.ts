// RNS basis changes against an independent BigInt oracle: every input integer x is chosen first (random
// or an edge value: 0, 1, M − 1, q_i − 1, q_i, M/q_i, ⌊M/2⌋ ± 1, rounding boundaries), its residues are
// x mod q_i, and the outputs are checked against exact integer arithmetic on x (no CRT code shared with
// the library). Small INSECURE ring degrees N = 2^4..2^8 (test-only); realistic 30–61-bit primes,
// 1–6 primes per basis.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BaseConverter, ModDownConverter, ModUpConverter, fastBaseConvert, modDown, modUp,
} from '../../src/ckks/ring/baseConversion.js';
import { CrtReconstructor, crtReconstruct, crtReconstructCentered, crtReconstructPoly, crtReconstructPolyCentered } from '../../src/ckks/ring/crt.js';
import { divideRoundByLastPrime } from '../../src/ckks/ring/rescale.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { CkksError } from '../../src/ckks/errors.js';

const MAX_LOG_N = 8;
const BITS = [30, 36, 45, 50, 55, 59, 60, 61];
// Primes ≡ 1 mod 2^9 serve every N ≤ 2^8.
const POOL: bigint[] = BITS.flatMap((bits) => generateNttPrimes(bits, 6, 1 << MAX_LOG_N));

const basisCache = new Map<string, RnsBasis>();
function basisOf(n: number, primes: readonly bigint[]): RnsBasis {
  const key = `${n}:${primes.join(',')}`;
  let b = basisCache.get(key);
  if (!b) {
    b = RnsBasis.create(n, primes);
    basisCache.set(key, b);
  }
  return b;
}

const prod = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a * b, 1n);
const modP = (x: bigint, m: bigint): bigint => ((x % m) + m) % m;
const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
};
/** Nearest integer to a/b (b > 0 odd, so no ties). */
const roundDiv = (a: bigint, b: bigint): bigint => floorDiv(2n * a + b, 2n * b);

/** Coefficient-form polynomial over `basis` whose coefficient j is the integer xs[j] (any sign). */
function polyOf(basis: RnsBasis, xs: readonly bigint[]): RnsPoly {
  const n = basis.ringDegree;
  const p = new RnsPoly(basis, 'coefficient');
  basis.primes.forEach((q, l) => xs.forEach((x, j) => { p.data[l * n + j] = modP(x, q); }));
  return p;
}

/** Edge values of [0, M) for a modulus M = ∏ primes. */
function edges(primes: readonly bigint[]): bigint[] {
  const M = prod(primes);
  const h = M >> 1n;
  const out = [0n, 1n, M - 1n, h - 1n, h, h + 1n, 2n];
  for (const q of primes) out.push(q - 1n, q, q + 1n, M / q, (M / q) * (q - 1n));
  return out.filter((v) => v >= 0n && v < M);
}

/** N integers in [0, M): mostly uniform, some edges. */
function valuesArb(n: number, primes: readonly bigint[], extra: readonly bigint[] = []): fc.Arbitrary<bigint[]> {
  const M = prod(primes);
  const special = [...edges(primes), ...extra.filter((v) => v >= 0n && v < M)];
  return fc.array(fc.oneof({ arbitrary: fc.bigInt({ min: 0n, max: M - 1n }), weight: 3 }, { arbitrary: fc.constantFrom(...special), weight: 1 }),
    { minLength: n, maxLength: n });
}

/** Ring degree and `sizes.length` disjoint groups of distinct primes from the pool. */
function primeGroupsArb(sizes: ReadonlyArray<readonly [number, number]>): fc.Arbitrary<{ n: number; groups: bigint[][] }> {
  const counts = fc.tuple(...sizes.map(([lo, hi]) => fc.integer({ min: lo, max: hi })));
  return fc.tuple(fc.integer({ min: 4, max: MAX_LOG_N }), counts).chain(([logN, cs]) => {
    const total = cs.reduce((a, b) => a + b, 0);
    return fc.shuffledSubarray(POOL, { minLength: total, maxLength: total }).map((picked) => {
      const groups: bigint[][] = [];
      let at = 0;
      for (const c of cs) {
        groups.push(picked.slice(at, at + c));
        at += c;
      }
      return { n: 1 << logN, groups };
    });
  });
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CkksError ? e.code : `not a CkksError: ${String(e)}`;
  }
  return undefined;
}

describe('CRT reconstruction (small insecure N, 1–6 primes of 30–61 bits)', () => {
  it('reconstructs x in [0, Q) and centers it into (−Q/2, Q/2]', () => {
    const arb = primeGroupsArb([[1, 6]]).chain(({ n, groups }) => fc.tuple(fc.constant(n), fc.constant(groups[0]!), valuesArb(n, groups[0]!)));
    fc.assert(fc.property(arb, ([n, primes, xs]) => {
      const b = basisOf(n, primes);
      const Q = prod(primes);
      const p = polyOf(b, xs);
      const centered = xs.map((x) => (2n * x > Q ? x - Q : x));
      expect(crtReconstructPoly(p)).toEqual(xs);
      expect(crtReconstructPolyCentered(p)).toEqual(centered);
      const j = xs.length - 1;
      expect(crtReconstruct(p, j)).toBe(xs[j]);
      expect(crtReconstructCentered(p, j)).toBe(centered[j]);
      for (const c of centered) expect(-Q < 2n * c && 2n * c <= Q).toBe(true);
      // negative inputs give the same residues as x + Q
      const r = new CrtReconstructor(b);
      expect(r.reconstruct(r.decompose(-xs[0]!))).toBe(modP(-xs[0]!, Q));
    }), { numRuns: 60 });
  });

  it('rejects bad indices', () => {
    const p = polyOf(basisOf(16, POOL.slice(0, 2)), [1n]);
    expect(() => crtReconstruct(p, 16)).toThrow(RangeError);
    expect(() => crtReconstructCentered(p, -1)).toThrow(RangeError);
    expect(() => crtReconstruct(p, 0.5)).toThrow(RangeError);
  });
});

describe('fast base conversion Conv_{Q→P} (BEHZ 2016 / HPS 2019)', () => {
  it('y_j = (x + u·Q) mod p_j for one u with 0 ≤ u < k, every coefficient', () => {
    const arb = primeGroupsArb([[1, 6], [1, 6]]).chain(({ n, groups }) =>
      fc.tuple(fc.constant(n), fc.constant(groups), valuesArb(n, groups[0]!)));
    let maxU = 0;
    fc.assert(fc.property(arb, ([n, [qs, ps], xs]) => {
      const from = basisOf(n, qs!);
      const to = basisOf(n, ps!);
      const Q = prod(qs!);
      const k = qs!.length;
      const out = fastBaseConvert(polyOf(from, xs), new RnsPoly(to, 'coefficient'));
      for (let c = 0; c < n; c++) {
        let found = -1;
        for (let u = 0; u < k && found < 0; u++) {
          if (ps!.every((p, j) => out.data[j * n + c] === (xs[c]! + BigInt(u) * Q) % p)) found = u;
        }
        expect(found, `coefficient ${c}: x = ${xs[c]}`).toBeGreaterThanOrEqual(0);
        maxU = Math.max(maxU, found);
      }
      if (k === 1) for (let c = 0; c < n; c++) expect(out.data[c]).toBe(xs[c]! % ps![0]!);
    }), { numRuns: 80 });
    expect(maxU).toBeGreaterThan(0); // the approximation error does occur, and stays below k
  });

  it('converting into a basis that shares primes returns x mod q for the shared ones; limbs may alias', () => {
    const n = 32;
    const qs = POOL.slice(0, 3);
    const from = basisOf(n, qs);
    const conv = new BaseConverter(from, basisOf(n, [qs[2]!, qs[0]!]));
    const xs = Array.from({ length: n }, (_, i) => (prod(qs) / 7n) * BigInt(i));
    const p = polyOf(from, xs);
    const expected = [p.limb(2).slice(), p.limb(0).slice()];
    conv.convertLimbs([p.limb(0), p.limb(1), p.limb(2)], [p.limb(0), p.limb(1)]); // dst aliases src
    expect(Array.from(p.limb(0))).toEqual(Array.from(expected[0]!));
    expect(Array.from(p.limb(1))).toEqual(Array.from(expected[1]!));
  });
});

describe('ModUp / ModDown (hybrid key switching, Han–Ki 2020)', () => {
  it('ModUp of a digit to Q ∪ P copies the digit and converts the rest with 0 ≤ u < |digit|', () => {
    const arb = primeGroupsArb([[1, 6], [1, 3]]).chain(({ n, groups }) => {
      const qs = groups[0]!;
      return fc.tuple(fc.constant(n), fc.constant(groups), fc.integer({ min: 0, max: qs.length - 1 }), fc.integer({ min: 1, max: qs.length }))
        .chain(([n2, g, s, len]) => {
          const e = Math.min(qs.length, s + len);
          return fc.tuple(fc.constant(n2), fc.constant(g), fc.constant([s, e] as const), valuesArb(n2, qs.slice(s, e)));
        });
    });
    fc.assert(fc.property(arb, ([n, [qs, ps], [s, e], xs]) => {
      const qBasis = basisOf(n, qs!);
      const digitPrimes = qs!.slice(s, e);
      const digit = RnsBasis.fromTables(qBasis.tables.slice(s, e));
      const to = qBasis.concat(basisOf(n, ps!));
      const D = prod(digitPrimes);
      const out = modUp(polyOf(digit, xs), new RnsPoly(to, 'coefficient'));
      const toPrimes = to.primes;
      for (let c = 0; c < n; c++) {
        let ok = false;
        for (let u = 0n; u < BigInt(digitPrimes.length) && !ok; u++) {
          ok = toPrimes.every((p, j) => out.data[j * n + c] === (xs[c]! + u * D) % p);
        }
        expect(ok, `coefficient ${c}`).toBe(true);
        digitPrimes.forEach((p) => expect(out.data[toPrimes.indexOf(p) * n + c]).toBe(xs[c]! % p));
      }
    }), { numRuns: 60 });
  });

  it('ModDown = ⌊x/P⌋ − u (mod Q) with 0 ≤ u < k_P, so |result − x/P| < k_P; centered inputs too; in place', () => {
    const arb = primeGroupsArb([[1, 4], [1, 3]]).chain(({ n, groups }) =>
      fc.tuple(fc.constant(n), fc.constant(groups), valuesArb(n, [...groups[0]!, ...groups[1]!]), fc.boolean()));
    fc.assert(fc.property(arb, ([n, [qs, ps], xs0, centered]) => {
      const Q = prod(qs!);
      const P = prod(ps!);
      const QP = Q * P;
      const xs = centered ? xs0.map((x) => (2n * x > QP ? x - QP : x)) : xs0;
      const qBasis = basisOf(n, qs!);
      const full = qBasis.concat(basisOf(n, ps!));
      const input = polyOf(full, xs);
      const out = modDown(input, new RnsPoly(qBasis, 'coefficient'));
      const kP = BigInt(ps!.length);
      for (let c = 0; c < n; c++) {
        const fl = floorDiv(xs[c]!, P);
        let found = -1n;
        for (let u = 0n; u < kP && found < 0n; u++) {
          if (qs!.every((q, i) => out.data[i * n + c] === modP(fl - u, q))) found = u;
        }
        expect(found, `coefficient ${c}: x = ${xs[c]}`).toBeGreaterThanOrEqual(0n);
        // stated bound: result − round(x/P) ∈ [−k_P, 0]
        const diff = fl - found - roundDiv(xs[c]!, P);
        expect(diff <= 0n && diff >= -kP).toBe(true);
      }
      const inPlace = modDown(input, input.dropLastLimbs(ps!.length));
      expect(Array.from(inPlace.data)).toEqual(Array.from(out.data));
    }), { numRuns: 60 });
  });

  it('explicit converters: ModUp from Q itself is a copy, ModDown validates Q ∪ P', () => {
    const n = 16;
    const qs = POOL.slice(0, 2);
    const ps = POOL.slice(40, 42);
    const qBasis = basisOf(n, qs);
    const pBasis = basisOf(n, ps);
    const a = polyOf(qBasis, [5n, -7n, 123456789n]);
    const up = new ModUpConverter(qBasis, qBasis).apply(a, new RnsPoly(qBasis, 'coefficient'));
    expect(Array.from(up.data)).toEqual(Array.from(a.data));
    const down = new ModDownConverter(qBasis, pBasis);
    const wrong = basisOf(n, [...ps, ...qs]);
    expect(errorCode(() => down.apply(new RnsPoly(wrong, 'coefficient'), new RnsPoly(qBasis, 'coefficient')))).toBe('INCOMPATIBLE_PARAMETERS');
    expect(errorCode(() => new ModUpConverter(qBasis.concat(pBasis), qBasis))).toBe('INCOMPATIBLE_PARAMETERS');
    expect(() => new ModDownConverter(qBasis, qBasis)).toThrow(RangeError);
  });
});

describe('blocked path (N = 2^12 > the 1024-coefficient block; small insecure sizes)', () => {
  it('Conv, ModUp and ModDown over several blocks match the oracle coefficient by coefficient', () => {
    const n = 1 << 12;
    const qs = [...generateNttPrimes(50, 2, n), ...generateNttPrimes(36, 1, n)];
    const ps = generateNttPrimes(61, 2, n);
    const qBasis = basisOf(n, qs);
    const pBasis = basisOf(n, ps);
    const Q = prod(qs);
    const P = prod(ps);
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: Q * P - 1n }), { minLength: n, maxLength: n }), (raw) => {
      const xs = raw.map((v) => v % Q);
      // Conv_{Q→P}: one u in [0, 3) per coefficient
      const y = fastBaseConvert(polyOf(qBasis, xs), new RnsPoly(pBasis, 'coefficient'));
      const up = modUp(polyOf(qBasis, xs), new RnsPoly(qBasis.concat(pBasis), 'coefficient'));
      for (let c = 0; c < n; c++) {
        const ok = [0n, 1n, 2n].some((u) => ps.every((p, j) => y.data[j * n + c] === (xs[c]! + u * Q) % p));
        expect(ok, `Conv coefficient ${c}`).toBe(true);
        expect(up.data[3 * n + c]).toBe(y.data[c]);
        expect(up.data[c]).toBe(xs[c]! % qs[0]!);
      }
      // ModDown in place: ⌊x/P⌋ − u with u in [0, 2)
      const full = polyOf(qBasis.concat(pBasis), raw);
      const down = modDown(full, full.dropLastLimbs(2));
      for (let c = 0; c < n; c++) {
        const fl = raw[c]! / P;
        const ok = [0n, 1n].some((u) => qs.every((q, i) => down.data[i * n + c] === modP(fl - u, q)));
        expect(ok, `ModDown coefficient ${c}`).toBe(true);
      }
      // divide-and-round by the last prime
      const r = divideRoundByLastPrime(polyOf(qBasis, xs));
      for (let c = 0; c < n; c++) {
        const e = roundDiv(xs[c]!, qs[2]!);
        expect(r.data[c]).toBe(e % qs[0]!);
        expect(r.data[n + c]).toBe(e % qs[1]!);
      }
    }), { numRuns: 3, endOnFailure: true }); // no shrinking of 4096-element arrays on failure
  });
});

describe('exact divide-and-round by the last prime (rescale core)', () => {
  it('equals round(x/q_ℓ) computed with BigInt, exactly, for x in [0, Q) and centered x; in place too', () => {
    const arb = primeGroupsArb([[2, 6]]).chain(({ n, groups }) => {
      const qs = groups[0]!;
      const ql = qs[qs.length - 1]!;
      const h = ql >> 1n;
      const Q = prod(qs);
      // rounding boundaries: x ≡ h, h + 1, 0, q_ℓ − 1 (mod q_ℓ)
      const boundaries = [h - 1n, h, h + 1n, ql - 1n, ql].flatMap((d) => [d, (Q / ql / 3n) * ql + d, Q - ql + d, ((Q >> 1n) / ql) * ql + d]);
      return fc.tuple(fc.constant(n), fc.constant(qs), valuesArb(n, qs, boundaries), fc.boolean());
    });
    fc.assert(fc.property(arb, ([n, qs, xs0, centered]) => {
      const Q = prod(qs);
      const ql = qs[qs.length - 1]!;
      const xs = centered ? xs0.map((x) => (2n * x > Q ? x - Q : x)) : xs0;
      const b = basisOf(n, qs);
      const a = polyOf(b, xs);
      const out = divideRoundByLastPrime(a);
      expect(out.basis.size).toBe(qs.length - 1);
      for (let c = 0; c < n; c++) {
        const expected = roundDiv(xs[c]!, ql);
        for (let i = 0; i < qs.length - 1; i++) expect(out.data[i * n + c]).toBe(modP(expected, qs[i]!));
      }
      const inPlace = divideRoundByLastPrime(a, a.dropLastLimbs());
      expect(Array.from(inPlace.data)).toEqual(Array.from(out.data));
    }), { numRuns: 80 });
  });

  it('checks form, prime count and aliasing', () => {
    const b = basisOf(16, POOL.slice(0, 3));
    const a = polyOf(b, [1n, 2n]);
    expect(errorCode(() => divideRoundByLastPrime(a.clone().toEvaluation()))).toBe('FORM_MISMATCH');
    expect(() => divideRoundByLastPrime(polyOf(b.prefix(1), [1n]))).toThrow(RangeError);
    const shifted = new RnsPoly(b.prefix(2), 'coefficient', a.data.subarray(16, 48));
    expect(() => divideRoundByLastPrime(a, shifted)).toThrow(RangeError);
    expect(errorCode(() => divideRoundByLastPrime(a, new RnsPoly(b, 'coefficient')))).toBe('INCOMPATIBLE_PARAMETERS');
  });
});

describe('basis-change argument and state errors', () => {
  it('form, ring degree and aliasing', () => {
    const qs = POOL.slice(0, 2);
    const ps = POOL.slice(20, 22);
    const q16 = basisOf(16, qs);
    const p16 = basisOf(16, ps);
    const p32 = basisOf(32, ps);
    const a = polyOf(q16, [3n]);
    expect(errorCode(() => fastBaseConvert(a.clone().toEvaluation(), new RnsPoly(p16, 'coefficient')))).toBe('FORM_MISMATCH');
    expect(errorCode(() => new BaseConverter(q16, p32))).toBe('INCOMPATIBLE_PARAMETERS');
    expect(errorCode(() => modUp(a.clone().toEvaluation(), new RnsPoly(q16.concat(p16), 'coefficient')))).toBe('FORM_MISMATCH');
    const full = q16.concat(p16);
    const x = polyOf(full, [9n, 10n]);
    expect(errorCode(() => modDown(x.clone().toEvaluation(), new RnsPoly(q16, 'coefficient')))).toBe('FORM_MISMATCH');
    expect(() => modDown(x, new RnsPoly(q16, 'coefficient', x.data.subarray(16, 48)))).toThrow(RangeError);
    expect(errorCode(() => modDown(x, new RnsPoly(full, 'coefficient')))).toBe('INCOMPATIBLE_PARAMETERS');
    const conv = new BaseConverter(q16, p16);
    expect(() => conv.convertLimbs([a.limb(0)], [new BigUint64Array(16), new BigUint64Array(16)])).toThrow(RangeError);
    expect(() => conv.convertLimbs([a.limb(0), new BigUint64Array(8)], [new BigUint64Array(16), new BigUint64Array(16)])).toThrow(RangeError);
  });
});
