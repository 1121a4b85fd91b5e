/**
 * Exact divide-and-round by the last prime of an RNS basis (the arithmetic core of CKKS rescaling;
 * Cheon–Han–Kim–Kim–Song 2018, "A full RNS variant of approximate homomorphic encryption", §3.3), in
 * COEFFICIENT form. (The scheme layer has its own evaluation-form rescale built on NTTs.)
 *
 * For x over q_0 … q_ℓ, let h = ⌊q_ℓ/2⌋ and r = ([x]_{q_ℓ} + h) mod q_ℓ. Then x + h − r is divisible by q_ℓ
 * and (x + h − r)/q_ℓ = ⌊(x + h)/q_ℓ⌋ = round(x/q_ℓ). Because q_ℓ is odd, x/q_ℓ is never a half-integer, so
 * there are no ties to break: the result is THE nearest integer. Per remaining prime q_i:
 *   out_i = (x_i + h − r) · q_ℓ^{-1} mod q_i.
 * The same residues come out whether x is read in [0, Q) or centered in (−Q/2, Q/2]: the two differ by
 * Q, and round((x − Q)/q_ℓ) = round(x/q_ℓ) − Q/q_ℓ ≡ round(x/q_ℓ) (mod Q/q_ℓ).
 *
 * Kernel: x_i + (h mod q_i) − r is made non-negative without a reduction by adding a multiple of q_i that
 * exceeds q_ℓ (the "lift" c_i = (h mod q_i) + ⌈q_ℓ/q_i⌉·q_i, so x_i + c_i − r ∈ (0, 2^64)), then one Shoup
 * product by q_ℓ^{-1} mod q_i (Shoup accepts any 64-bit input). Lowered BigInt per `modularKernels.ts`.
 */
import { modInverse, shoupCompanion } from './modularScalar.js';
import { RnsPoly } from './rnsPoly.js';
import type { RnsBasis } from './rnsBasis.js';

const M32 = 0xffffffffn;

interface RescaleConstants {
  /** q_ℓ^{-1} mod q_i, i < ℓ. */
  readonly inv: BigUint64Array;
  readonly invShoup: BigUint64Array;
  /** (h mod q_i) + ⌈q_ℓ/q_i⌉·q_i. */
  readonly lift: BigUint64Array;
  /** h = ⌊q_ℓ/2⌋. */
  readonly half: bigint;
}

const constantsCache = new WeakMap<RnsBasis, RescaleConstants>();

function constantsFor(basis: RnsBasis): RescaleConstants {
  let c = constantsCache.get(basis);
  if (c !== undefined) return c;
  const last = basis.size - 1;
  const ql = basis.moduli[last]!.value;
  const half = ql >> 1n;
  const inv = new BigUint64Array(last);
  const invShoup = new BigUint64Array(last);
  const lift = new BigUint64Array(last);
  for (let i = 0; i < last; i++) {
    const qi = basis.moduli[i]!.value;
    const v = modInverse(ql % qi, qi);
    inv[i] = v;
    invShoup[i] = shoupCompanion(v, qi);
    lift[i] = (half % qi) + ((ql + qi - 1n) / qi) * qi; // < q_ℓ + 2q_i; with x_i < q_i the sum is < 2^64
  }
  c = Object.freeze({ inv, invShoup, lift, half });
  constantsCache.set(basis, c);
  return c;
}

/**
 * round(a / q_ℓ) over the basis without its last prime q_ℓ, exactly (see the header; no ties occur since
 * q_ℓ is odd). `a` must be in coefficient form with at least two primes. `out` (optional, over
 * `a.basis.prefix(ℓ)`) may be `a.dropLastLimbs()` to work in place; any other overlap with `a` is a
 * RangeError. Returns the result (coefficient form).
 */
export function divideRoundByLastPrime(a: RnsPoly, out?: RnsPoly): RnsPoly {
  if (!(a instanceof RnsPoly)) throw new TypeError('divideRoundByLastPrime: expected an RnsPoly');
  a.requireForm('coefficient', 'divideRoundByLastPrime');
  const basis = a.basis;
  const last = basis.size - 1;
  if (last < 1) throw new RangeError('divideRoundByLastPrime: a polynomial over one prime cannot be divided by it');
  const target = basis.prefix(last);
  const result = out ?? new RnsPoly(target, 'coefficient');
  target.assertSame(result.basis, 'divideRoundByLastPrime (output)');
  const n = basis.ringDegree;
  const rd = result.data;
  const ad = a.data;
  if (rd.buffer === ad.buffer) {
    const inPlace = rd.byteOffset === ad.byteOffset;
    const disjoint = rd.byteOffset + rd.byteLength <= ad.byteOffset || ad.byteOffset + ad.byteLength <= rd.byteOffset;
    if (!inPlace && !disjoint) throw new RangeError('divideRoundByLastPrime: out must be a.dropLastLimbs() or disjoint from a');
  }
  const c = constantsFor(basis);
  const ql = basis.moduli[last]!.value;
  const lastLimb = ad.subarray(last * n, (last + 1) * n);
  for (let i = 0; i < last; i++) {
    divideRoundKernel(
      ad.subarray(i * n, (i + 1) * n), lastLimb, rd.subarray(i * n, (i + 1) * n),
      basis.moduli[i]!.value, ql, c.half, c.lift[i]!, c.inv[i]!, c.invShoup[i]!,
    );
  }
  result.form = 'coefficient';
  return result;
}

/**
 * out[n] = (x[n] + c − r)·w mod q with r = (xl[n] + h) mod q_ℓ. x in [0, q), xl in [0, q_ℓ); `out` may be `x`.
 */
function divideRoundKernel(
  x: BigUint64Array, xl: BigUint64Array, out: BigUint64Array,
  modulus: bigint, lastModulus: bigint, halfLast: bigint, liftConstant: bigint, weight: bigint, weightShoup: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const ql = BigInt.asUintN(64, lastModulus);
  const h = BigInt.asUintN(64, halfLast);
  const lift = BigInt.asUintN(64, liftConstant);
  const w = BigInt.asUintN(64, weight);
  const wp = BigInt.asUintN(64, weightShoup);
  const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
  const len = out.length;
  for (let j = 0; j < len; j++) {
    const s = BigInt.asIntN(64, xl[j]! + h - ql);
    const r = BigInt.asUintN(64, s + BigInt.asUintN(64, ql & BigInt.asUintN(64, s >> 63n)));
    const v = BigInt.asUintN(64, x[j]! + lift - r);
    const v0 = BigInt.asUintN(64, v & M32), v1 = BigInt.asUintN(64, v >> 32n);
    const p00 = BigInt.asUintN(64, v0 * wp0), p01 = BigInt.asUintN(64, v0 * wp1), p10 = BigInt.asUintN(64, v1 * wp0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const hq = BigInt.asUintN(64, v1 * wp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const t = BigInt.asIntN(64, v * w - hq * q - q);
    out[j] = BigInt.asUintN(64, t + BigInt.asUintN(64, q & BigInt.asUintN(64, t >> 63n)));
  }
}

/** Warms the kernel up on tiny arrays at load time (see `warmUpKernels` in `baseConversion.ts` for why). */
function warmUpKernel(): void {
  const q = (1n << 61n) - 1n;
  const ql = (1n << 60n) - 93n;
  const w = 0x123456789abcdefn;
  const x = new BigUint64Array(8).map((_, i) => BigInt(i) * 0x1f2e3d4c5b6a798n);
  const out = new BigUint64Array(8);
  for (let r = 0; r < 32; r++) divideRoundKernel(x, x, out, q, ql, ql >> 1n, q + (ql >> 1n), w, (w << 64n) / q);
}
warmUpKernel();
