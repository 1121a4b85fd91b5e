/**
 * A word-sized modulus q (odd, 2 ≤ q < 2^62) together with every constant the lowered kernels need:
 * - Montgomery (1985) with R = 2^64: −q^{-1} mod 2^64, R mod q and its Shoup companion (to leave the
 *   Montgomery domain with one Shoup product), R² mod q (to enter it), R^{-1} mod q and its companion (to take the
 *   factor R off a Shoup product with a Montgomery-form operand);
 * - Barrett (1986): floor(2^64 / q), for reducing any 64-bit word modulo q.
 * The 2^62 bound leaves two bits of headroom for Harvey's lazy values in [0, 4q).
 */
import { TWO_POW_64, bitLength, modInverse, shoupCompanion } from './modularScalar.js';

/** Largest modulus the kernels accept (exclusive): values in [0, 4q) must fit in 64 bits. */
export const MAX_MODULUS = 1n << 62n;

/**
 * Largest prime an `RnsBasis` accepts (exclusive), 2^61, one bit below `MAX_MODULUS`: the multiply-accumulate
 * kernel that key switching and plaintext-product sums run over whole bases (`mulMontgomeryAccumulate2`, lazy
 * accumulators in [0, 2q)) is specified for q < 2^61. `Parameters` applies the same bound to its primes.
 */
export const MAX_RNS_MODULUS = 1n << 61n;

export class Modulus {
  /** The modulus q. */
  readonly value: bigint;
  /** Bit length of q. */
  readonly bits: number;
  /** −q^{-1} mod 2^64 (Montgomery's q'). */
  readonly montgomeryNegInverse: bigint;
  /** R mod q with R = 2^64. */
  readonly rModQ: bigint;
  /** floor((R mod q)·2^64/q): multiplying a Montgomery product by R with Shoup gives the plain product. */
  readonly rModQShoup: bigint;
  /** R² mod q: a Montgomery product with it maps x to x·R mod q (into the Montgomery domain). */
  readonly r2ModQ: bigint;
  /** R^{-1} mod q: a Shoup product with it maps x·R to x (a Montgomery-form word back to plain). */
  readonly rInverse: bigint;
  /** floor(R^{-1} mod q · 2^64/q), its Shoup companion. */
  readonly rInverseShoup: bigint;
  /** floor(2^64 / q), the Barrett constant for one-word reduction. */
  readonly barrett: bigint;

  constructor(q: bigint) {
    if (typeof q !== 'bigint') throw new TypeError('Modulus: q must be a bigint');
    if (q < 3n || q >= MAX_MODULUS) throw new RangeError(`Modulus: q must satisfy 3 ≤ q < 2^62, got ${q}`);
    if ((q & 1n) === 0n) throw new RangeError(`Modulus: q must be odd, got ${q}`);
    this.value = q;
    this.bits = bitLength(q);
    this.montgomeryNegInverse = BigInt.asUintN(64, -modInverse(q, TWO_POW_64));
    this.rModQ = TWO_POW_64 % q;
    this.rModQShoup = shoupCompanion(this.rModQ, q);
    this.r2ModQ = (this.rModQ * this.rModQ) % q;
    this.rInverse = modInverse(this.rModQ, q);
    this.rInverseShoup = shoupCompanion(this.rInverse, q);
    this.barrett = TWO_POW_64 / q;
    Object.freeze(this);
  }
}
