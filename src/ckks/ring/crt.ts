/**
 * Chinese Remainder Theorem reconstruction for RNS polynomials: from residues x_i = x mod q_i back to the
 * integer x in [0, Q) (or its centered representative in (−Q/2, Q/2]), with Q = ∏ q_i:
 *   x = Σ_i [x_i · q̂_i^{-1}]_{q_i} · q̂_i  mod Q,   q̂_i = Q / q_i
 * (Gauss's form of the CRT; e.g. Knuth, TAOCP vol. 2, §4.3.2). BigInt throughout: this is for decoding,
 * debugging and tests, not a hot path. Constants are precomputed once per basis and cached.
 */
import { modInverse } from './modularScalar.js';
import type { RnsBasis } from './rnsBasis.js';
import type { RnsPoly } from './rnsPoly.js';

/** Precomputed CRT constants of one RNS basis. */
export class CrtReconstructor {
  /** The basis the constants belong to. */
  readonly basis: RnsBasis;
  /** Q = ∏ q_i. */
  readonly modulus: bigint;
  /** ⌊Q/2⌋: values above it are negative in centered form. */
  readonly halfModulus: bigint;
  /** q̂_i = Q / q_i. */
  readonly qHat: readonly bigint[];
  /** q̂_i^{-1} mod q_i. */
  readonly qHatInverse: readonly bigint[];
  private readonly primes: readonly bigint[];

  /** Precomputes the constants for `basis`. Prefer `crtReconstructorFor`, which caches them. */
  constructor(basis: RnsBasis) {
    this.basis = basis;
    this.primes = Object.freeze(basis.primes);
    this.modulus = basis.product();
    this.halfModulus = this.modulus >> 1n;
    this.qHat = Object.freeze(this.primes.map((q) => this.modulus / q));
    this.qHatInverse = Object.freeze(this.primes.map((q, i) => modInverse(this.qHat[i]! % q, q)));
    Object.freeze(this);
  }

  /** x in [0, Q) from its residues (`residues[i]` taken modulo q_i, any sign). */
  reconstruct(residues: readonly bigint[]): bigint {
    if (residues.length !== this.primes.length) {
      throw new RangeError(`CrtReconstructor: ${residues.length} residues for ${this.primes.length} primes`);
    }
    let acc = 0n;
    for (let i = 0; i < this.primes.length; i++) {
      const r = residues[i];
      if (typeof r !== 'bigint') throw new TypeError('CrtReconstructor: residues must be bigints');
      const q = this.primes[i]!;
      let t = (r * this.qHatInverse[i]!) % q;
      if (t < 0n) t += q;
      acc += t * this.qHat[i]!;
    }
    return acc % this.modulus;
  }

  /** Maps x in [0, Q) to its centered representative in (−Q/2, Q/2]. */
  center(x: bigint): bigint {
    return x > this.halfModulus ? x - this.modulus : x;
  }

  /** The residues of an integer x (any sign, any size) modulo each prime, each in [0, q_i). */
  decompose(x: bigint): bigint[] {
    if (typeof x !== 'bigint') throw new TypeError('CrtReconstructor.decompose: x must be a bigint');
    return this.primes.map((q) => {
      const r = x % q;
      return r < 0n ? r + q : r;
    });
  }
}

const cache = new WeakMap<RnsBasis, CrtReconstructor>();

/** The (cached) CRT constants of `basis`. */
export function crtReconstructorFor(basis: RnsBasis): CrtReconstructor {
  let r = cache.get(basis);
  if (r === undefined) {
    r = new CrtReconstructor(basis);
    cache.set(basis, r);
  }
  return r;
}

function checkIndex(poly: RnsPoly, index: number, where: string): void {
  if (typeof index !== 'number') throw new TypeError(`${where}: index must be a number`);
  if (!Number.isInteger(index) || index < 0 || index >= poly.ringDegree) {
    throw new RangeError(`${where}: index must be an integer in [0, ${poly.ringDegree}), got ${index}`);
  }
}

function residuesAt(poly: RnsPoly, index: number): bigint[] {
  const n = poly.ringDegree;
  const out = new Array<bigint>(poly.limbCount);
  for (let l = 0; l < poly.limbCount; l++) out[l] = poly.data[l * n + index]!;
  return out;
}

/**
 * The integer in [0, Q) whose residues are stored at position `index` of every limb. In coefficient form
 * that is coefficient `index`; in evaluation form it is the value at NTT slot `index`.
 */
export function crtReconstruct(poly: RnsPoly, index: number): bigint {
  checkIndex(poly, index, 'crtReconstruct');
  return crtReconstructorFor(poly.basis).reconstruct(residuesAt(poly, index));
}

/** Like `crtReconstruct`, centered into (−Q/2, Q/2]. */
export function crtReconstructCentered(poly: RnsPoly, index: number): bigint {
  checkIndex(poly, index, 'crtReconstructCentered');
  const r = crtReconstructorFor(poly.basis);
  return r.center(r.reconstruct(residuesAt(poly, index)));
}

/** All N positions reconstructed, each in [0, Q). */
export function crtReconstructPoly(poly: RnsPoly): bigint[] {
  const r = crtReconstructorFor(poly.basis);
  const out = new Array<bigint>(poly.ringDegree);
  for (let j = 0; j < poly.ringDegree; j++) out[j] = r.reconstruct(residuesAt(poly, j));
  return out;
}

/** All N positions reconstructed, each centered into (−Q/2, Q/2]. */
export function crtReconstructPolyCentered(poly: RnsPoly): bigint[] {
  const r = crtReconstructorFor(poly.basis);
  const out = new Array<bigint>(poly.ringDegree);
  for (let j = 0; j < poly.ringDegree; j++) out[j] = r.center(r.reconstruct(residuesAt(poly, j)));
  return out;
}
