/**
 * Scalar modular arithmetic on BigInt: the slow-but-obvious helpers used to precompute constants
 * (twiddle factors, CRT constants, Shoup/Montgomery/Barrett companions). Nothing here is on a hot path;
 * the vectorised kernels live in `modularKernels.ts`.
 */

/** 2^64 as a BigInt. */
export const TWO_POW_64 = 1n << 64n;

/** `a mod m` in [0, m) for any sign of `a`. */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** `base^exponent mod m` by square-and-multiply (exponent ≥ 0). */
export function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  if (exponent < 0n) throw new RangeError('modPow: negative exponent');
  if (m === 1n) return 0n;
  let b = mod(base, m);
  let e = exponent;
  let r = 1n;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

/** Inverse of `a` modulo `m` by the extended Euclidean algorithm; throws RangeError if gcd(a, m) ≠ 1. */
export function modInverse(a: bigint, m: bigint): bigint {
  let oldR = mod(a, m);
  let r = m;
  let oldS = 1n;
  let s = 0n;
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  if (oldR !== 1n) throw new RangeError(`modInverse: ${a} is not invertible modulo ${m}`);
  return mod(oldS, m);
}

/** Number of bits of a non-negative BigInt (0 for 0). */
export function bitLength(a: bigint): number {
  if (a < 0n) throw new RangeError('bitLength: negative value');
  return a === 0n ? 0 : a.toString(2).length;
}

/**
 * Shoup's precomputed companion of a constant w < q: floor(w · 2^64 / q). With it, x·w mod q costs one
 * high product and two low products (Shoup 2004, as analysed by Harvey 2014, "Faster arithmetic for
 * number-theoretic transforms", Lemma 2: the result lies in [0, 2q) for every x < 2^64).
 */
export function shoupCompanion(w: bigint, q: bigint): bigint {
  if (w < 0n || w >= q) throw new RangeError('shoupCompanion: constant must lie in [0, q)');
  return (w << 64n) / q;
}

/** Bit-reversal of the low `bits` bits of `x`. */
export function bitReverse(x: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r >>> 0;
}
