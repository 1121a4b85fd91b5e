// RNS basis changes against an independent BigInt oracle: every input integer x is chosen first (random
// or an edge value: 0, 1, M − 1, q_i − 1, q_i, M/q_i, ⌊M/2⌋ ± 1, rounding boundaries), its residues are
// x mod q_i, and the outputs are checked against exact integer arithmetic on x (no CRT code shared with
// the library; `test/support/rnsOracle.ts`). Small INSECURE ring degrees N = 2^4..2^8 (test-only); realistic
// 30–61-bit primes, 1–6 primes per basis. Rescale and ModDown: rescale.test.ts, modDown.test.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BaseConverter, ModUpConverter, fastBaseConvert, modUp } from '../../src/ckks/ring/baseConversion.js';
import { CrtReconstructor, crtReconstruct, crtReconstructCentered, crtReconstructPoly, crtReconstructPolyCentered } from '../../src/ckks/ring/crt.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { CkksError } from '../../src/ckks/errors.js';
import { basisOf, modP, polyOf, primeGroupsArb as primeGroupsFrom, prod, valuesArb } from '../support/rnsOracle.js';

/** a^{-1} mod m by the extended Euclidean algorithm (BigInt, independent of the library's modInverse). */
function modInverseBig(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [((a % m) + m) % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const t = r0 / r1;
    [r0, r1] = [r1, r0 - t * r1];
    [s0, s1] = [s1, s0 - t * s1];
  }
  return ((s0 % m) + m) % m;
}

const MAX_LOG_N = 8;
const BITS = [30, 36, 45, 50, 55, 59, 60, 61];
// Primes ≡ 1 mod 2^9 serve every N ≤ 2^8.
const POOL: bigint[] = BITS.flatMap((bits) => generateNttPrimes(bits, 6, 1 << MAX_LOG_N));
const primeGroupsArb = (sizes: ReadonlyArray<readonly [number, number]>) => primeGroupsFrom(POOL, MAX_LOG_N, sizes);

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

describe('ModUp (hybrid key switching, Han–Ki 2020; ModDown: modDown.test.ts)', () => {
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

  it('explicit converters: ModUp from Q itself is a copy; a source prime missing from the target is refused', () => {
    const n = 16;
    const qs = POOL.slice(0, 2);
    const ps = POOL.slice(40, 42);
    const qBasis = basisOf(n, qs);
    const pBasis = basisOf(n, ps);
    const a = polyOf(qBasis, [5n, -7n, 123456789n]);
    const up = new ModUpConverter(qBasis, qBasis).apply(a, new RnsPoly(qBasis, 'coefficient'));
    expect(Array.from(up.data)).toEqual(Array.from(a.data));
    expect(errorCode(() => new ModUpConverter(qBasis.concat(pBasis), qBasis))).toBe('INCOMPATIBLE_PARAMETERS');
  });
});

describe('blocked path (N = 2^12 > the 1024-coefficient block; small insecure sizes)', () => {
  it('Conv and ModUp over several blocks match the oracle coefficient by coefficient', () => {
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
    }), { numRuns: 3, endOnFailure: true }); // no shrinking of 4096-element arrays on failure
  });
});

describe('reduction-free sums (targets with 4·k·p < 2^64; small insecure N)', () => {
  it('worst-case inputs at the bound: every t_i = q_i − 1 and every weight near p, for lazy and reducing targets', () => {
    const n = 1 << 4;
    const qs = [...generateNttPrimes(58, 3, n), ...generateNttPrimes(59, 1, n)]; // k = 4
    // 4·4·p < 2^64 ⇔ p < 2^60: the 58/59-bit targets sum without reduction, the 61-bit one reduces per term
    const ps = [...generateNttPrimes(59, 3, n).slice(1), generateNttPrimes(58, 4, n)[3]!, ...generateNttPrimes(61, 1, n)]; // none of qs
    const from = basisOf(n, qs);
    const to = basisOf(n, ps);
    const conv = new BaseConverter(from, to);
    expect(Array.from(conv.lazyTarget)).toEqual([1, 1, 1, 0]);
    expect(Array.from(new BaseConverter(basisOf(n, qs.slice(0, 1)), to).lazyTarget)).toEqual([0, 0, 0, 0]); // k = 1: exact copy path
    const Q = prod(qs);
    // every t_i = [x_i·q̂_i^{-1}]_{q_i} = q_i − 1 (the largest terms) for x = Σ_i (q_i − 1)·q̂_i mod Q; then other values
    const worst = qs.reduce((acc, q) => (acc + (q - 1n) * (Q / q)) % Q, 0n);
    const xs = Array.from({ length: n }, (_, c) => (c === 0 ? worst : (worst * BigInt(c + 7) + BigInt(c)) % Q));
    const out = fastBaseConvert(polyOf(from, xs), new RnsPoly(to, 'coefficient'));
    for (let c = 0; c < n; c++) {
      // the exact fast conversion Σ_i t_i·q̂_i (no u removed), computed with BigInt
      const sum = qs.reduce((acc, q) => acc + (((xs[c]! % q) * modInverseBig((Q / q) % q, q)) % q) * (Q / q), 0n);
      ps.forEach((p, j) => expect(out.data[j * n + c], `coefficient ${c}, target ${j}`).toBe(sum % p));
    }
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
    const conv = new BaseConverter(q16, p16);
    expect(() => conv.convertLimbs([a.limb(0)], [new BigUint64Array(16), new BigUint64Array(16)])).toThrow(RangeError);
    expect(() => conv.convertLimbs([a.limb(0), new BigUint64Array(8)], [new BigUint64Array(16), new BigUint64Array(16)])).toThrow(RangeError);
  });
});
