// Centred base conversion (HPS 2019 with rounding) against a BigInt oracle: every input integer x ∈ [0, Q) is
// chosen first (random, or an edge value: 0, 1, Q − 1, ⌊Q/2⌋, ⌊Q/2⌋ ± 1, q_i − 1), its residues are x mod q_i,
// and each output residue must equal x_c mod p_j for the centred representative x_c ∈ [−Q/2, Q/2) — except
// that within 2^-40·Q of ±Q/2 (float64 rounding of the quotient) either representative is accepted. Small
// INSECURE ring degrees N = 2^4..2^11 (blocks of 1024 coefficients are crossed at 2^11); 30–61-bit primes,
// 1–5 source primes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BaseConverter, ModUpConverter } from '../../src/ckks/ring/baseConversion.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';

const BITS = [30, 45, 55, 60, 61];
const POOL: bigint[] = BITS.flatMap((bits) => generateNttPrimes(bits, 4, 1 << 11));
const prod = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a * b, 1n);
const modP = (x: bigint, m: bigint): bigint => ((x % m) + m) % m;

function randomBelow(bound: bigint, rand: () => number): bigint {
  let x = 0n;
  for (let i = 0; i < 4; i++) x = (x << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
  return x % bound;
}

function edgeValues(Q: bigint, primes: readonly bigint[]): bigint[] {
  const h = Q / 2n;
  return [0n, 1n, Q - 1n, h, h - 1n, h + 1n, ...primes.map((q) => q - 1n)].filter((x) => x >= 0n && x < Q);
}

describe('centred base conversion vs BigInt (small insecure N = 2^4..2^11)', () => {
  it('BaseConverter.convertLimbsCentered returns x_c mod p_j for x_c ∈ [−Q/2, Q/2)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 4, max: 11 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer(),
      (logN, k, m, seedValue) => {
        const n = 1 << logN;
        let state = seedValue >>> 0 || 1;
        const rand = (): number => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32; };
        const shuffled = [...POOL].sort(() => rand() - 0.5);
        const from = RnsBasis.create(n, shuffled.slice(0, k));
        const to = RnsBasis.create(n, shuffled.slice(k, k + m));
        const Q = prod(from.primes);
        const edges = edgeValues(Q, from.primes);
        const xs = Array.from({ length: n }, (_, c) => (c < edges.length ? edges[c]! : randomBelow(Q, rand)));
        const src = from.primes.map((q) => BigUint64Array.from(xs, (x) => x % q));
        const dst = to.primes.map(() => new BigUint64Array(n));
        new BaseConverter(from, to).convertLimbsCentered(src, dst);
        const slack = Q >> 40n;
        for (let c = 0; c < n; c++) {
          const x = xs[c]!;
          const centred = x >= (Q + 1n) / 2n ? x - Q : x;
          const other = centred < 0n ? x : x - Q; // the other representative, accepted only near ±Q/2
          const nearHalf = (centred < 0n ? -centred : centred) >= Q / 2n - slack;
          to.primes.forEach((p, j) => {
            const got = dst[j]![c]!;
            if (got !== modP(centred, p)) {
              expect(nearHalf, `x = ${x}, p = ${p}`).toBe(true);
              expect(got).toBe(modP(other, p));
            }
          });
        }
      },
    ), { numRuns: 40 });
  });

  it('ModUpConverter { centered: true } copies the source primes and converts the centred value to the others', () => {
    const n = 1 << 11;
    const from = RnsBasis.create(n, [POOL[0]!, POOL[5]!, POOL[10]!]);
    const to = RnsBasis.create(n, [POOL[0]!, POOL[5]!, POOL[10]!, POOL[15]!, POOL[16]!]);
    const Q = prod(from.primes);
    let state = 7;
    const rand = (): number => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32; };
    const xs = Array.from({ length: n }, () => randomBelow(Q, rand));
    const a = new RnsPoly(from, 'coefficient');
    from.primes.forEach((q, i) => a.limb(i).set(BigUint64Array.from(xs, (x) => x % q)));
    const out = new ModUpConverter(from, to, { centered: true }).apply(a, new RnsPoly(to, 'coefficient'));
    const uncentred = new ModUpConverter(from, to).apply(a, new RnsPoly(to, 'coefficient'));
    let differ = 0;
    for (let c = 0; c < n; c++) {
      const x = xs[c]!;
      const centred = x >= (Q + 1n) / 2n ? x - Q : x;
      to.primes.forEach((p, j) => expect(out.limb(j)[c]).toBe(modP(centred, p)));
      if (uncentred.limb(4)[c] !== out.limb(4)[c]) differ++;
    }
    // the fast (uncentred) conversion adds u·Q with u ≥ 1 for most inputs: the two must differ somewhere
    expect(differ).toBeGreaterThan(n / 4);
  });

  it('refuses an output that aliases the input', () => {
    const n = 16;
    const from = RnsBasis.create(n, [POOL[0]!, POOL[5]!]);
    const to = RnsBasis.create(n, [POOL[10]!]);
    const src = [new BigUint64Array(n), new BigUint64Array(n)];
    expect(() => new BaseConverter(from, to).convertLimbsCentered(src, [src[0]!])).toThrow(RangeError);
  });
});
