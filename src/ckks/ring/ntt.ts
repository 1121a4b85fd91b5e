/**
 * Negacyclic number-theoretic transform over Z_q[X]/(X^N + 1).
 *
 * Forward: Cooley–Tukey butterflies with the powers of a primitive 2N-th root ψ folded in (Longa–Naehrig
 * 2016, Alg. 1), natural-order input, bit-reversed output: out[j] = a(ψ^{2·brv(j)+1}).
 * Inverse: Gentleman–Sande butterflies (Alg. 2) with the final scaling by N^{-1}.
 * Arithmetic: Harvey's lazy butterflies (Harvey 2014, "Faster arithmetic for number-theoretic
 * transforms") with Shoup twiddles w' = floor(w·2^64/q). Forward values stay in [0, 4q), inverse values in
 * [0, 2q); q < 2^62 keeps 4q below 2^64. A final pass reduces to [0, q).
 *
 * Approximate Shoup quotient: V8 has no 64×64→128 multiply, so hi(y·w') costs four 32×32 products. The
 * butterflies use three: h' = y1·w'1 + ⌊y0·w'1/2^32⌋ + ⌊y1·w'0/2^32⌋ drops the low product and the carries
 * between the middle terms, so h − 2 ≤ h' ≤ h and y·w − h'·q lies in [0, 4q) instead of [0, 2q); one
 * branch-free subtraction of 2q restores Harvey's range. 14–16% faster per butterfly (measured at N = 2^16).
 * The forward transform's last stage also does the final reduction to [0, q), and the inverse's last stage
 * folds in the N^{-1} scaling (twiddle ψ^{−N/2}·N^{-1}), saving one pass over the data each (3–7%).
 * The other stages run two at a time (radix-4 passes over 4 values with 3 twiddles: the same butterflies in the
 * same order of operations, so bit-identical results, with half the loads and stores; −20%, 3.6 → 2.85 ns).
 * For primes below 2^64/(2·log2 N + 6) (every prime under 2^58; the 40–50-bit primes that carry a scale) the
 * forward butterflies skip reducing x altogether (`forwardKernelUnreduced`, bounds there): −3.5 to −5 % per forward
 * transform at N = 2^15 (58- and 40-bit primes, 2026-12-02), the same words.
 * The kernels follow the BigInt-lowering rules listed in `modularKernels.ts`.
 */
import type { Modulus } from './modulus.js';
import { bitReverse, modInverse, modPow, shoupCompanion } from './modularScalar.js';
import { primitiveRootOfUnity } from './primes.js';

const M32 = 0xffffffffn;

/** Supported ring degrees for the transform: N = 2^1 … 2^17. */
export const MIN_LOG_N = 1;
export const MAX_LOG_N = 17;

/** Precomputed twiddle tables for one prime q and one ring degree N. */
export class NttTable {
  readonly ringDegree: number;
  readonly logN: number;
  readonly modulus: Modulus;
  /** The primitive 2N-th root of unity ψ used. */
  readonly psi: bigint;
  /** psiRev[k] = ψ^{brv(k)} (k < N; index 0 unused by the butterflies). */
  readonly psiRev: BigUint64Array;
  readonly psiRevShoup: BigUint64Array;
  /** psiInvRev[k] = ψ^{−brv(k)}. */
  readonly psiInvRev: BigUint64Array;
  readonly psiInvRevShoup: BigUint64Array;
  readonly nInverse: bigint;
  readonly nInverseShoup: bigint;
  /** ψ^{−brv(1)}·N^{-1}: the last inverse stage's twiddle with the N^{-1} scaling folded in (and its Shoup companion). */
  readonly lastInverseTwiddle: bigint;
  readonly lastInverseTwiddleShoup: bigint;
  /**
   * True when the forward butterflies may skip reducing their x inputs (`forwardKernelUnreduced`): each stage adds
   * less than 2q to the bound, so from [0, 4q) the last stage's inputs stay below (2·log2 N + 2)·q, and its outputs
   * below 2^64 while (2·log2 N + 6)·q < 2^64 (primes below 2^58 at N = 2^17; every 40-bit prime).
   */
  readonly unreducedForward: boolean;

  constructor(modulus: Modulus, ringDegree: number) {
    const logN = Math.log2(ringDegree);
    if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > MAX_LOG_N) {
      throw new RangeError(`NttTable: ring degree must be 2^${MIN_LOG_N}..2^${MAX_LOG_N}, got ${ringDegree}`);
    }
    const q = modulus.value;
    if ((q - 1n) % (2n * BigInt(ringDegree)) !== 0n) {
      throw new RangeError(`NttTable: q = ${q} is not ≡ 1 mod 2N = ${2 * ringDegree}`);
    }
    this.ringDegree = ringDegree;
    this.logN = logN;
    this.modulus = modulus;
    this.psi = primitiveRootOfUnity(2 * ringDegree, q);
    const psiInv = modInverse(this.psi, q);
    const powers = new BigUint64Array(ringDegree);
    const inversePowers = new BigUint64Array(ringDegree);
    let p = 1n;
    let pi = 1n;
    for (let i = 0; i < ringDegree; i++) {
      powers[i] = p;
      inversePowers[i] = pi;
      p = (p * this.psi) % q;
      pi = (pi * psiInv) % q;
    }
    this.psiRev = new BigUint64Array(ringDegree);
    this.psiRevShoup = new BigUint64Array(ringDegree);
    this.psiInvRev = new BigUint64Array(ringDegree);
    this.psiInvRevShoup = new BigUint64Array(ringDegree);
    for (let k = 0; k < ringDegree; k++) {
      const r = bitReverse(k, logN);
      const w = powers[r]!;
      const wi = inversePowers[r]!;
      this.psiRev[k] = w;
      this.psiRevShoup[k] = (w << 64n) / q;
      this.psiInvRev[k] = wi;
      this.psiInvRevShoup[k] = (wi << 64n) / q;
    }
    this.nInverse = modInverse(BigInt(ringDegree), q);
    this.nInverseShoup = shoupCompanion(this.nInverse, q);
    this.lastInverseTwiddle = (this.psiInvRev[1]! * this.nInverse) % q;
    this.lastInverseTwiddleShoup = shoupCompanion(this.lastInverseTwiddle, q);
    this.unreducedForward = BigInt(2 * logN + 6) * q < 1n << 64n;
    Object.freeze(this);
  }

  /** The evaluation point of output index j of the forward transform: ψ^{2·brv(j)+1}. */
  evaluationPoint(j: number): bigint {
    return modPow(this.psi, BigInt(2 * bitReverse(j, this.logN) + 1), this.modulus.value);
  }
}

/** Forward negacyclic NTT in place. Input coefficients in [0, 4q); output in [0, q), bit-reversed order. */
export function nttForward(a: BigUint64Array, table: NttTable): void {
  if (a.length !== table.ringDegree) throw new RangeError(`nttForward: length ${a.length} ≠ N = ${table.ringDegree}`);
  if (table.unreducedForward) forwardKernelUnreduced(a, table.psiRev, table.psiRevShoup, table.modulus.value, table.modulus.barrett);
  else forwardKernel(a, table.psiRev, table.psiRevShoup, table.modulus.value);
}

/** Inverse negacyclic NTT in place (includes the N^{-1} factor). Input in [0, 2q); output in [0, q). */
export function nttInverse(a: BigUint64Array, table: NttTable): void {
  if (a.length !== table.ringDegree) throw new RangeError(`nttInverse: length ${a.length} ≠ N = ${table.ringDegree}`);
  inverseKernel(a, table.psiInvRev, table.psiInvRevShoup, table.modulus.value, table.nInverse, table.nInverseShoup, table.lastInverseTwiddle, table.lastInverseTwiddleShoup);
}

function forwardKernel(a: BigUint64Array, W: BigUint64Array, WP: BigUint64Array, modulus: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const twoq = BigInt.asUintN(64, q + q);
  const n = a.length;
  const half = n >> 1;
  let m = 1;
  let t = half;
  // Radix-4 passes: stages (m, t) and (2m, t/2) together, while the second is not the last stage.
  for (; t >= 4 && 2 * m < half; m <<= 2, t >>= 2) {
    const h = t >> 1;
    for (let i = 0; i < m; i++) {
      const w1 = W[m + i]!, wp1 = WP[m + i]!;
      const w10 = BigInt.asUintN(64, wp1 & M32), w11 = BigInt.asUintN(64, wp1 >> 32n);
      const w2 = W[2 * m + 2 * i]!, wp2 = WP[2 * m + 2 * i]!;
      const w20 = BigInt.asUintN(64, wp2 & M32), w21 = BigInt.asUintN(64, wp2 >> 32n);
      const w3 = W[2 * m + 2 * i + 1]!, wp3 = WP[2 * m + 2 * i + 1]!;
      const w30 = BigInt.asUintN(64, wp3 & M32), w31 = BigInt.asUintN(64, wp3 >> 32n);
      const j1 = 2 * i * t;
      const j2 = j1 + h;
      for (let j = j1; j < j2; j++) {
        const a0 = a[j]!, a1 = a[j + h]!, a2 = a[j + t]!, a3 = a[j + t + h]!;
        // stage 1: (a0, a2) and (a1, a3) with w1
        const r0 = BigInt.asIntN(64, a0 - twoq);
        const x0 = BigInt.asUintN(64, r0 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, r0 >> 63n)));
        const a20 = BigInt.asUintN(64, a2 & M32), a21 = BigInt.asUintN(64, a2 >> 32n);
        const h2 = BigInt.asUintN(64, a21 * w11 + BigInt.asUintN(64, BigInt.asUintN(64, a20 * w11) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, a21 * w10) >> 32n));
        const s2 = BigInt.asIntN(64, a2 * w1 - h2 * q - twoq);
        const t2 = BigInt.asUintN(64, s2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s2 >> 63n)));
        const y0 = BigInt.asUintN(64, x0 + t2);
        const y2 = BigInt.asUintN(64, x0 - t2 + twoq);
        const r1 = BigInt.asIntN(64, a1 - twoq);
        const x1 = BigInt.asUintN(64, r1 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, r1 >> 63n)));
        const a30 = BigInt.asUintN(64, a3 & M32), a31 = BigInt.asUintN(64, a3 >> 32n);
        const h3 = BigInt.asUintN(64, a31 * w11 + BigInt.asUintN(64, BigInt.asUintN(64, a30 * w11) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, a31 * w10) >> 32n));
        const s3 = BigInt.asIntN(64, a3 * w1 - h3 * q - twoq);
        const t3 = BigInt.asUintN(64, s3 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s3 >> 63n)));
        const y1 = BigInt.asUintN(64, x1 + t3);
        const y3 = BigInt.asUintN(64, x1 - t3 + twoq);
        // stage 2: (y0, y1) with w2, (y2, y3) with w3
        const u0 = BigInt.asIntN(64, y0 - twoq);
        const z0 = BigInt.asUintN(64, u0 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, u0 >> 63n)));
        const b10 = BigInt.asUintN(64, y1 & M32), b11 = BigInt.asUintN(64, y1 >> 32n);
        const g1 = BigInt.asUintN(64, b11 * w21 + BigInt.asUintN(64, BigInt.asUintN(64, b10 * w21) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, b11 * w20) >> 32n));
        const e1 = BigInt.asIntN(64, y1 * w2 - g1 * q - twoq);
        const v1 = BigInt.asUintN(64, e1 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, e1 >> 63n)));
        a[j] = BigInt.asUintN(64, z0 + v1);
        a[j + h] = BigInt.asUintN(64, z0 - v1 + twoq);
        const u2 = BigInt.asIntN(64, y2 - twoq);
        const z2 = BigInt.asUintN(64, u2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, u2 >> 63n)));
        const b30 = BigInt.asUintN(64, y3 & M32), b31 = BigInt.asUintN(64, y3 >> 32n);
        const g3 = BigInt.asUintN(64, b31 * w31 + BigInt.asUintN(64, BigInt.asUintN(64, b30 * w31) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, b31 * w30) >> 32n));
        const e3 = BigInt.asIntN(64, y3 * w3 - g3 * q - twoq);
        const v3 = BigInt.asUintN(64, e3 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, e3 >> 63n)));
        a[j + t] = BigInt.asUintN(64, z2 + v3);
        a[j + t + h] = BigInt.asUintN(64, z2 - v3 + twoq);
      }
    }
  }
  for (; m < half; m <<= 1, t >>= 1) {
    for (let i = 0; i < m; i++) {
      const w = W[m + i]!;
      const wp = WP[m + i]!;
      const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
      const j1 = 2 * i * t;
      const j2 = j1 + t;
      for (let j = j1; j < j2; j++) {
        // x ← x mod 2q (from [0, 4q) to [0, 2q)), branch-free.
        const xr = BigInt.asIntN(64, a[j]! - twoq);
        const x = BigInt.asUintN(64, xr + BigInt.asUintN(64, twoq & BigInt.asUintN(64, xr >> 63n)));
        // t = y·w mod q lazily in [0, 2q) (approximate Shoup quotient, one correction).
        const y = a[j + t]!;
        const y0 = BigInt.asUintN(64, y & M32), y1 = BigInt.asUintN(64, y >> 32n);
        const p01 = BigInt.asUintN(64, y0 * wp1), p10 = BigInt.asUintN(64, y1 * wp0);
        const hq = BigInt.asUintN(64, y1 * wp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n));
        const t4 = BigInt.asIntN(64, y * w - hq * q - twoq);
        const tt = BigInt.asUintN(64, t4 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, t4 >> 63n)));
        a[j] = BigInt.asUintN(64, x + tt);
        a[j + t] = BigInt.asUintN(64, x - tt + twoq);
      }
    }
  }
  // Last stage (t = 1) fused with the final reduction to [0, q).
  for (let i = 0; i < half; i++) {
    const w = W[half + i]!;
    const wp = WP[half + i]!;
    const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
    const j = 2 * i;
    const xr = BigInt.asIntN(64, a[j]! - twoq);
    const x = BigInt.asUintN(64, xr + BigInt.asUintN(64, twoq & BigInt.asUintN(64, xr >> 63n)));
    const y = a[j + 1]!;
    const y0 = BigInt.asUintN(64, y & M32), y1 = BigInt.asUintN(64, y >> 32n);
    const p01 = BigInt.asUintN(64, y0 * wp1), p10 = BigInt.asUintN(64, y1 * wp0);
    const hq = BigInt.asUintN(64, y1 * wp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n));
    const t4 = BigInt.asIntN(64, y * w - hq * q - twoq);
    const tt = BigInt.asUintN(64, t4 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, t4 >> 63n)));
    // u = x + tt and v = x − tt, each from (−2q, 4q) down to [0, q)
    const u2 = BigInt.asIntN(64, x + tt - twoq);
    const u1 = BigInt.asIntN(64, u2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, u2 >> 63n)) - q);
    a[j] = BigInt.asUintN(64, u1 + BigInt.asUintN(64, q & BigInt.asUintN(64, u1 >> 63n)));
    const v2 = BigInt.asIntN(64, x - tt);
    const v1 = BigInt.asIntN(64, v2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, v2 >> 63n)) - q);
    a[j + 1] = BigInt.asUintN(64, v1 + BigInt.asUintN(64, q & BigInt.asUintN(64, v1 >> 63n)));
  }
}

/**
 * `forwardKernel` without the reductions of x to [0, 2q) in every butterfly (Harvey's lazy forward butterfly,
 * Harvey 2014 Alg. 4, with the reduction postponed to the end): x + t and x − t + 2q grow by less than 2q per stage
 * (t = y·w mod q in [0, 2q), and Shoup's product accepts any 64-bit y), so for small enough q (`unreducedForward`)
 * no word overflows. The last stage brings x back to [0, 2q) with one Shoup reduction (x·1 with 1' = ⌊2^64/q⌋) and
 * then runs as in `forwardKernel`. Same outputs in [0, q), so the same words; about a tenth fewer operations.
 */
function forwardKernelUnreduced(a: BigUint64Array, W: BigUint64Array, WP: BigUint64Array, modulus: bigint, barrett: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const twoq = BigInt.asUintN(64, q + q);
  const one = BigInt.asUintN(64, barrett);
  const one0 = BigInt.asUintN(64, one & M32), one1 = BigInt.asUintN(64, one >> 32n);
  const n = a.length;
  const half = n >> 1;
  let m = 1;
  let t = half;
  for (; t >= 4 && 2 * m < half; m <<= 2, t >>= 2) {
    const h = t >> 1;
    for (let i = 0; i < m; i++) {
      const w1 = W[m + i]!, wp1 = WP[m + i]!;
      const w10 = BigInt.asUintN(64, wp1 & M32), w11 = BigInt.asUintN(64, wp1 >> 32n);
      const w2 = W[2 * m + 2 * i]!, wp2 = WP[2 * m + 2 * i]!;
      const w20 = BigInt.asUintN(64, wp2 & M32), w21 = BigInt.asUintN(64, wp2 >> 32n);
      const w3 = W[2 * m + 2 * i + 1]!, wp3 = WP[2 * m + 2 * i + 1]!;
      const w30 = BigInt.asUintN(64, wp3 & M32), w31 = BigInt.asUintN(64, wp3 >> 32n);
      const j1 = 2 * i * t;
      const j2 = j1 + h;
      for (let j = j1; j < j2; j++) {
        const x0 = a[j]!, x1 = a[j + h]!, a2 = a[j + t]!, a3 = a[j + t + h]!;
        const a20 = BigInt.asUintN(64, a2 & M32), a21 = BigInt.asUintN(64, a2 >> 32n);
        const h2 = BigInt.asUintN(64, a21 * w11 + BigInt.asUintN(64, BigInt.asUintN(64, a20 * w11) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, a21 * w10) >> 32n));
        const s2 = BigInt.asIntN(64, a2 * w1 - h2 * q - twoq);
        const t2 = BigInt.asUintN(64, s2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s2 >> 63n)));
        const y0 = BigInt.asUintN(64, x0 + t2);
        const y2 = BigInt.asUintN(64, x0 - t2 + twoq);
        const a30 = BigInt.asUintN(64, a3 & M32), a31 = BigInt.asUintN(64, a3 >> 32n);
        const h3 = BigInt.asUintN(64, a31 * w11 + BigInt.asUintN(64, BigInt.asUintN(64, a30 * w11) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, a31 * w10) >> 32n));
        const s3 = BigInt.asIntN(64, a3 * w1 - h3 * q - twoq);
        const t3 = BigInt.asUintN(64, s3 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s3 >> 63n)));
        const y1 = BigInt.asUintN(64, x1 + t3);
        const y3 = BigInt.asUintN(64, x1 - t3 + twoq);
        const b10 = BigInt.asUintN(64, y1 & M32), b11 = BigInt.asUintN(64, y1 >> 32n);
        const g1 = BigInt.asUintN(64, b11 * w21 + BigInt.asUintN(64, BigInt.asUintN(64, b10 * w21) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, b11 * w20) >> 32n));
        const e1 = BigInt.asIntN(64, y1 * w2 - g1 * q - twoq);
        const v1 = BigInt.asUintN(64, e1 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, e1 >> 63n)));
        a[j] = BigInt.asUintN(64, y0 + v1);
        a[j + h] = BigInt.asUintN(64, y0 - v1 + twoq);
        const b30 = BigInt.asUintN(64, y3 & M32), b31 = BigInt.asUintN(64, y3 >> 32n);
        const g3 = BigInt.asUintN(64, b31 * w31 + BigInt.asUintN(64, BigInt.asUintN(64, b30 * w31) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, b31 * w30) >> 32n));
        const e3 = BigInt.asIntN(64, y3 * w3 - g3 * q - twoq);
        const v3 = BigInt.asUintN(64, e3 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, e3 >> 63n)));
        a[j + t] = BigInt.asUintN(64, y2 + v3);
        a[j + t + h] = BigInt.asUintN(64, y2 - v3 + twoq);
      }
    }
  }
  for (; m < half; m <<= 1, t >>= 1) {
    for (let i = 0; i < m; i++) {
      const w = W[m + i]!;
      const wp = WP[m + i]!;
      const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
      const j1 = 2 * i * t;
      const j2 = j1 + t;
      for (let j = j1; j < j2; j++) {
        const x = a[j]!;
        const y = a[j + t]!;
        const y0 = BigInt.asUintN(64, y & M32), y1 = BigInt.asUintN(64, y >> 32n);
        const p01 = BigInt.asUintN(64, y0 * wp1), p10 = BigInt.asUintN(64, y1 * wp0);
        const hq = BigInt.asUintN(64, y1 * wp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n));
        const t4 = BigInt.asIntN(64, y * w - hq * q - twoq);
        const tt = BigInt.asUintN(64, t4 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, t4 >> 63n)));
        a[j] = BigInt.asUintN(64, x + tt);
        a[j + t] = BigInt.asUintN(64, x - tt + twoq);
      }
    }
  }
  // Last stage (t = 1): x to [0, 2q) by a Shoup reduction, then as forwardKernel's (final reduction to [0, q)).
  for (let i = 0; i < half; i++) {
    const w = W[half + i]!;
    const wp = WP[half + i]!;
    const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
    const j = 2 * i;
    const z = a[j]!;
    const z0 = BigInt.asUintN(64, z & M32), z1 = BigInt.asUintN(64, z >> 32n);
    const hz = BigInt.asUintN(64, z1 * one1 + BigInt.asUintN(64, BigInt.asUintN(64, z0 * one1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, z1 * one0) >> 32n));
    const xr = BigInt.asIntN(64, z - hz * q - twoq);
    const x = BigInt.asUintN(64, xr + BigInt.asUintN(64, twoq & BigInt.asUintN(64, xr >> 63n)));
    const y = a[j + 1]!;
    const y0 = BigInt.asUintN(64, y & M32), y1 = BigInt.asUintN(64, y >> 32n);
    const p01 = BigInt.asUintN(64, y0 * wp1), p10 = BigInt.asUintN(64, y1 * wp0);
    const hq = BigInt.asUintN(64, y1 * wp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n));
    const t4 = BigInt.asIntN(64, y * w - hq * q - twoq);
    const tt = BigInt.asUintN(64, t4 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, t4 >> 63n)));
    const u2 = BigInt.asIntN(64, x + tt - twoq);
    const u1 = BigInt.asIntN(64, u2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, u2 >> 63n)) - q);
    a[j] = BigInt.asUintN(64, u1 + BigInt.asUintN(64, q & BigInt.asUintN(64, u1 >> 63n)));
    const v2 = BigInt.asIntN(64, x - tt);
    const v1 = BigInt.asIntN(64, v2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, v2 >> 63n)) - q);
    a[j + 1] = BigInt.asUintN(64, v1 + BigInt.asUintN(64, q & BigInt.asUintN(64, v1 >> 63n)));
  }
}

function inverseKernel(
  a: BigUint64Array, W: BigUint64Array, WP: BigUint64Array, modulus: bigint, nInverse: bigint, nInverseShoup: bigint,
  lastW: bigint, lastWShoup: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const twoq = BigInt.asUintN(64, q + q);
  const n = a.length;
  const half = n >> 1;
  let m = half;
  let t = 1;
  // Radix-4 passes: stages (m, t) and (m/2, 2t) together, while the second is not the last stage (m/2 > 1).
  for (; m >= 4; m >>= 2, t <<= 2) {
    const t2 = 2 * t;
    const mh = m >> 1;
    for (let i = 0; i < mh; i++) {
      const wa = W[m + 2 * i]!, wpa = WP[m + 2 * i]!;
      const wa0 = BigInt.asUintN(64, wpa & M32), wa1 = BigInt.asUintN(64, wpa >> 32n);
      const wb = W[m + 2 * i + 1]!, wpb = WP[m + 2 * i + 1]!;
      const wb0 = BigInt.asUintN(64, wpb & M32), wb1 = BigInt.asUintN(64, wpb >> 32n);
      const wc = W[mh + i]!, wpc = WP[mh + i]!;
      const wc0 = BigInt.asUintN(64, wpc & M32), wc1 = BigInt.asUintN(64, wpc >> 32n);
      const j1 = 4 * i * t;
      const j2 = j1 + t;
      for (let j = j1; j < j2; j++) {
        const x0 = a[j]!, x1 = a[j + t]!, x2 = a[j + t2]!, x3 = a[j + t2 + t]!;
        // stage 1: (x0, x1) with wa, (x2, x3) with wb
        const s01 = BigInt.asIntN(64, x0 + x1 - twoq);
        const y0 = BigInt.asUintN(64, s01 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s01 >> 63n)));
        const d01 = BigInt.asUintN(64, x0 - x1 + twoq);
        const d010 = BigInt.asUintN(64, d01 & M32), d011 = BigInt.asUintN(64, d01 >> 32n);
        const ha = BigInt.asUintN(64, d011 * wa1 + BigInt.asUintN(64, BigInt.asUintN(64, d010 * wa1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, d011 * wa0) >> 32n));
        const ra = BigInt.asIntN(64, d01 * wa - ha * q - twoq);
        const y1 = BigInt.asUintN(64, ra + BigInt.asUintN(64, twoq & BigInt.asUintN(64, ra >> 63n)));
        const s23 = BigInt.asIntN(64, x2 + x3 - twoq);
        const y2 = BigInt.asUintN(64, s23 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s23 >> 63n)));
        const d23 = BigInt.asUintN(64, x2 - x3 + twoq);
        const d230 = BigInt.asUintN(64, d23 & M32), d231 = BigInt.asUintN(64, d23 >> 32n);
        const hb = BigInt.asUintN(64, d231 * wb1 + BigInt.asUintN(64, BigInt.asUintN(64, d230 * wb1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, d231 * wb0) >> 32n));
        const rb = BigInt.asIntN(64, d23 * wb - hb * q - twoq);
        const y3 = BigInt.asUintN(64, rb + BigInt.asUintN(64, twoq & BigInt.asUintN(64, rb >> 63n)));
        // stage 2: (y0, y2) and (y1, y3) with wc
        const s02 = BigInt.asIntN(64, y0 + y2 - twoq);
        a[j] = BigInt.asUintN(64, s02 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s02 >> 63n)));
        const d02 = BigInt.asUintN(64, y0 - y2 + twoq);
        const d020 = BigInt.asUintN(64, d02 & M32), d021 = BigInt.asUintN(64, d02 >> 32n);
        const hc = BigInt.asUintN(64, d021 * wc1 + BigInt.asUintN(64, BigInt.asUintN(64, d020 * wc1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, d021 * wc0) >> 32n));
        const rc = BigInt.asIntN(64, d02 * wc - hc * q - twoq);
        a[j + t2] = BigInt.asUintN(64, rc + BigInt.asUintN(64, twoq & BigInt.asUintN(64, rc >> 63n)));
        const s13 = BigInt.asIntN(64, y1 + y3 - twoq);
        a[j + t] = BigInt.asUintN(64, s13 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s13 >> 63n)));
        const d13 = BigInt.asUintN(64, y1 - y3 + twoq);
        const d130 = BigInt.asUintN(64, d13 & M32), d131 = BigInt.asUintN(64, d13 >> 32n);
        const hd = BigInt.asUintN(64, d131 * wc1 + BigInt.asUintN(64, BigInt.asUintN(64, d130 * wc1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, d131 * wc0) >> 32n));
        const rd = BigInt.asIntN(64, d13 * wc - hd * q - twoq);
        a[j + t2 + t] = BigInt.asUintN(64, rd + BigInt.asUintN(64, twoq & BigInt.asUintN(64, rd >> 63n)));
      }
    }
  }
  for (; m > 1; m >>= 1, t <<= 1) {
    for (let i = 0; i < m; i++) {
      const w = W[m + i]!;
      const wp = WP[m + i]!;
      const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
      const j1 = 2 * i * t;
      const j2 = j1 + t;
      for (let j = j1; j < j2; j++) {
        const x = a[j]!;
        const y = a[j + t]!;
        // x + y from [0, 4q) back to [0, 2q).
        const s = BigInt.asIntN(64, x + y - twoq);
        a[j] = BigInt.asUintN(64, s + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s >> 63n)));
        // (x − y + 2q)·w mod q, lazily in [0, 2q) (approximate Shoup quotient, one correction).
        const d = BigInt.asUintN(64, x - y + twoq);
        const d0 = BigInt.asUintN(64, d & M32), d1 = BigInt.asUintN(64, d >> 32n);
        const p01 = BigInt.asUintN(64, d0 * wp1), p10 = BigInt.asUintN(64, d1 * wp0);
        const hq = BigInt.asUintN(64, d1 * wp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n));
        const r4 = BigInt.asIntN(64, d * w - hq * q - twoq);
        a[j + t] = BigInt.asUintN(64, r4 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, r4 >> 63n)));
      }
    }
  }
  // Last stage (m = 1, t = N/2) fused with the scaling by N^{-1}: a[j] = (x + y)·N^{-1},
  // a[j + t] = (x − y)·(w·N^{-1}); both fully reduced.
  const ni = BigInt.asUintN(64, nInverse), nip = BigInt.asUintN(64, nInverseShoup);
  const ni0 = BigInt.asUintN(64, nip & M32), ni1 = BigInt.asUintN(64, nip >> 32n);
  const lw = BigInt.asUintN(64, lastW), lwp = BigInt.asUintN(64, lastWShoup);
  const lw0 = BigInt.asUintN(64, lwp & M32), lw1 = BigInt.asUintN(64, lwp >> 32n);
  for (let j = 0; j < half; j++) {
    const x = a[j]!;
    const y = a[j + half]!;
    const s = BigInt.asUintN(64, x + y);
    const s0 = BigInt.asUintN(64, s & M32), s1 = BigInt.asUintN(64, s >> 32n);
    const hs = BigInt.asUintN(64, s1 * ni1 + BigInt.asUintN(64, BigInt.asUintN(64, s0 * ni1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, s1 * ni0) >> 32n));
    const rs2 = BigInt.asIntN(64, s * ni - hs * q - twoq);
    const rs1 = BigInt.asIntN(64, rs2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, rs2 >> 63n)) - q);
    a[j] = BigInt.asUintN(64, rs1 + BigInt.asUintN(64, q & BigInt.asUintN(64, rs1 >> 63n)));
    const d = BigInt.asUintN(64, x - y + twoq);
    const d0 = BigInt.asUintN(64, d & M32), d1 = BigInt.asUintN(64, d >> 32n);
    const hd = BigInt.asUintN(64, d1 * lw1 + BigInt.asUintN(64, BigInt.asUintN(64, d0 * lw1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, d1 * lw0) >> 32n));
    const rd2 = BigInt.asIntN(64, d * lw - hd * q - twoq);
    const rd1 = BigInt.asIntN(64, rd2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, rd2 >> 63n)) - q);
    a[j + half] = BigInt.asUintN(64, rd1 + BigInt.asUintN(64, q & BigInt.asUintN(64, rd1 >> 63n)));
  }
}

/** Warm-up on a tiny transform at module load (see the note on `warmUp` in modularKernels.ts). */
function warmUp(): void {
  const q = 257n; // 257 ≡ 1 mod 16: a 16-point negacyclic transform exists; 3 is a generator, ψ = 3^(256/16)
  const psi = 3n ** 16n % q;
  const n = 8;
  const W = new BigUint64Array(n);
  const WP = new BigUint64Array(n);
  for (let k = 0; k < n; k++) {
    W[k] = psi ** BigInt(bitReverse(k, 3)) % q;
    WP[k] = (W[k]! << 64n) / q;
  }
  const a = new BigUint64Array(n).map((_, i) => BigInt(i * 31) % q);
  for (let k = 0; k < 32; k++) {
    forwardKernel(a, W, WP, q);
    inverseKernel(a, W, WP, q, 1n, (1n << 64n) / q, W[1]!, WP[1]!);
    forwardKernelUnreduced(a, W, WP, q, (1n << 64n) / q);
    inverseKernel(a, W, WP, q, 1n, (1n << 64n) / q, W[1]!, WP[1]!);
  }
}
warmUp();
