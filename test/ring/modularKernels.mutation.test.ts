// Modular kernels where their quotient estimates are loosest (reference: BigInt, exact). Random residues almost
// never reach the inputs for which Barrett's h = hi(x·⌊2^64/q⌋) or the Shoup step of mulMod is one below the
// exact quotient, so a dropped partial product or a lost carry goes unseen; these sweeps aim at those inputs:
//  - x = m·q + r for the largest multiples m·q < 2^64 (Barrett's error x/q − h grows with x) with moduli whose
//    Barrett constant has a large low word (q just above 2^32, where hi() needs all four partial products);
//  - mulMod with moduli for which 2^128 mod q > q/2 (the Shoup companion of R mod q is loosest) and whose
//    companion has a large low word.
// The kernels need an odd modulus, not a prime; the moduli are odd composites or primes as they come.
import { describe, expect, it } from 'vitest';
import { Modulus } from '../../src/ckks/ring/modulus.js';
import { mulMod, mulMontgomery, reduceBarrett, reduceBarrettAddScalar } from '../../src/ckks/ring/modularKernels.js';

const TWO64 = 1n << 64n;

/** SplitMix64 (test-side deterministic generator). */
function splitmix(seed: bigint): () => bigint {
  let s = BigInt.asUintN(64, seed);
  return () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
}

/** The top `count` multiples of q below 2^64, each with offsets 0, 1, q − 1 (and 2^64 − 1 itself). */
function topOfRange(q: bigint, count: number): bigint[] {
  const xs: bigint[] = [TWO64 - 1n];
  const top = (TWO64 - 1n) / q;
  for (let m = top; m > top - BigInt(count) && m >= 0n; m--) {
    for (const r of [0n, 1n, q - 1n]) if (m * q + r < TWO64) xs.push(m * q + r);
  }
  return xs;
}

describe('Barrett reduction at the top of the 64-bit range (reference: BigInt %)', () => {
  // 65537·65539 and 2^32 + 15: ⌊2^64/q⌋ has a low word close to 2^32; 3 and 2^61 − 1 for contrast.
  const moduli = [65537n * 65539n, (1n << 32n) + 15n, 3000000021n, 3n, (1n << 61n) - 1n];
  it('reduceBarrett(x) = x mod q and reduceBarrettAddScalar(x, c) = (x mod q + c) mod q', () => {
    for (const q of moduli) {
      const m = new Modulus(q);
      const xv = topOfRange(q, 1500);
      const x = BigUint64Array.from(xv);
      const out = new BigUint64Array(x.length);
      reduceBarrett(x, out, q, m.barrett);
      for (let i = 0; i < xv.length; i++) if (out[i] !== xv[i]! % q) expect(`${q}: ${out[i]}`).toBe(`${q}: ${xv[i]! % q}`);
      for (const c of [0n, 1n, q - 1n]) {
        reduceBarrettAddScalar(x, c, out, q, m.barrett);
        for (let i = 0; i < xv.length; i++) if (out[i] !== (xv[i]! % q + c) % q) expect(`${q}, c=${c}: ${out[i]}`).toBe(`${q}, c=${c}: ${(xv[i]! % q + c) % q}`);
      }
    }
  });
});

describe('mulMod / mulMontgomery with loose Shoup companions (reference: BigInt)', () => {
  // Odd q < 2^61 with 2^128 mod q > q/2 and a companion of R mod q whose low word exceeds 3·2^30 (found by a
  // search over q ≡ 1 mod 2 near 2^61, see the file header).
  const moduli = [2305843082300138397n, 2305843023040879137n];
  it('a·b mod q and a·b·2^-64 mod q on 6000 pseudo-random pairs per modulus', () => {
    for (const q of moduli) {
      expect((TWO64 * TWO64) % q > q / 2n).toBe(true);
      const m = new Modulus(q);
      const next = splitmix(q);
      const av = Array.from({ length: 6000 }, () => next() % q);
      const bv = Array.from({ length: 6000 }, () => next() % q);
      const a = BigUint64Array.from(av), b = BigUint64Array.from(bv), out = new BigUint64Array(av.length);
      mulMod(a, b, out, q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
      for (let i = 0; i < av.length; i++) if (out[i] !== (av[i]! * bv[i]!) % q) expect(`${q}: ${out[i]}`).toBe(`${q}: ${(av[i]! * bv[i]!) % q}`);
      // R^{-1} mod q by Fermat is not available (q composite): use the identity out·2^64 ≡ a·b (mod q)
      mulMontgomery(a, b, out, q, m.montgomeryNegInverse);
      for (let i = 0; i < av.length; i++) {
        expect(out[i]! < q).toBe(true);
        if ((out[i]! * TWO64) % q !== (av[i]! * bv[i]!) % q) expect(`${q}: ${out[i]}`).toBe('≡ a·b·2^-64');
      }
    }
  });
});
