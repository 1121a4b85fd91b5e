// The independent BigInt oracle of the RNS tests: integers are chosen first (random or edge values), their
// residues are x mod q_i, and results are checked with exact integer arithmetic on x (no library CRT code).
import fc from 'fast-check';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';

export const prod = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a * b, 1n);
export const modP = (x: bigint, m: bigint): bigint => ((x % m) + m) % m;
export const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
};
/** Nearest integer to a/b (b > 0 odd, so no ties). */
export const roundDiv = (a: bigint, b: bigint): bigint => floorDiv(2n * a + b, 2n * b);

const basisCache = new Map<string, RnsBasis>();
/** RnsBasis.create, cached per (N, primes) so that repeated property runs share the tables. */
export function basisOf(n: number, primes: readonly bigint[]): RnsBasis {
  const key = `${n}:${primes.join(',')}`;
  let b = basisCache.get(key);
  if (!b) {
    b = RnsBasis.create(n, primes);
    basisCache.set(key, b);
  }
  return b;
}

/** Coefficient-form polynomial over `basis` whose coefficient j is the integer xs[j] (any sign; missing: 0). */
export function polyOf(basis: RnsBasis, xs: readonly bigint[]): RnsPoly {
  const n = basis.ringDegree;
  const p = new RnsPoly(basis, 'coefficient');
  basis.primes.forEach((q, l) => xs.forEach((x, j) => { p.data[l * n + j] = modP(x, q); }));
  return p;
}

/** Edge values of [0, M) for a modulus M = ∏ primes. */
export function edges(primes: readonly bigint[]): bigint[] {
  const M = prod(primes);
  const h = M >> 1n;
  const out = [0n, 1n, M - 1n, h - 1n, h, h + 1n, 2n];
  for (const q of primes) out.push(q - 1n, q, q + 1n, M / q, (M / q) * (q - 1n));
  return out.filter((v) => v >= 0n && v < M);
}

/** N integers in [0, M): mostly uniform, some edges (and `extra` values in range). */
export function valuesArb(n: number, primes: readonly bigint[], extra: readonly bigint[] = []): fc.Arbitrary<bigint[]> {
  const M = prod(primes);
  const special = [...edges(primes), ...extra.filter((v) => v >= 0n && v < M)];
  return fc.array(fc.oneof({ arbitrary: fc.bigInt({ min: 0n, max: M - 1n }), weight: 3 }, { arbitrary: fc.constantFrom(...special), weight: 1 }),
    { minLength: n, maxLength: n });
}

/** A ring degree 2^4 … 2^maxLogN and `sizes.length` disjoint groups of distinct primes from `pool`. */
export function primeGroupsArb(
  pool: readonly bigint[], maxLogN: number, sizes: ReadonlyArray<readonly [number, number]>,
): fc.Arbitrary<{ n: number; groups: bigint[][] }> {
  const counts = fc.tuple(...sizes.map(([lo, hi]) => fc.integer({ min: lo, max: hi })));
  return fc.tuple(fc.integer({ min: 4, max: maxLogN }), counts).chain(([logN, cs]) => {
    const total = cs.reduce((a, b) => a + b, 0);
    return fc.shuffledSubarray([...pool], { minLength: total, maxLength: total }).map((picked) => {
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
