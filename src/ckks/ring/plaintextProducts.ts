/**
 * Sums of plaintext × ciphertext products with a FIXED plaintext (the diagonals of a linear transform, encoded
 * once): acc_k += w ⊙ b_k for the two parts b_0, b_1 of a ciphertext, with w's Shoup companions w' = ⌊w·2^64/q⌋
 * stored next to it (`shoupForm`). Per product: three 32×32 products for an approximate quotient h' (h − 2 ≤ h' ≤ h,
 * as in the NTT's butterflies, `ntt.ts`) and two low products, against ten for the Montgomery multiply-accumulate
 * `mulMontgomeryAccumulate2`; measured 1.4–1.6× faster per product (docs/threads.md). The price is memory: w' doubles
 * the plaintext's words.
 *
 * Ranges: x·w − h'·q ∈ [0, 4q) for any 64-bit x; acc ∈ [0, 2q) on entry and exit (acc + r < 6q < 2^64 for q < 2^61,
 * brought back by two branch-free conditional subtractions of 4q and 2q). The caller reduces the final sums to
 * [0, q) (`polyReduceLazy`). The kernel follows the BigInt-lowering rules of `modularKernels.ts` and is warmed up
 * when the module loads.
 */
import { addScalarMod, reduceBarrett } from './modularKernels.js';
import type { Modulus } from './modulus.js';
import { RnsPoly } from './rnsPoly.js';

const M32 = 0xffffffffn;

/** acc0[i] += w[i]·b0[i], acc1[i] += w[i]·b1[i] (mod q, lazily in [0, 2q)); wShoup[i] = ⌊w[i]·2^64/q⌋, w[i] < q < 2^61. */
export function mulShoupAccumulate2(
  w: BigUint64Array, wShoup: BigUint64Array, b0: BigUint64Array, b1: BigUint64Array, acc0: BigUint64Array, acc1: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const twoq = BigInt.asUintN(64, q + q);
  const fourq = BigInt.asUintN(64, twoq + twoq);
  const n = acc0.length;
  for (let i = 0; i < n; i++) {
    const c = w[i]!;
    const cp = wShoup[i]!;
    const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
    {
      const x = b0[i]!;
      const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
      const h = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, x0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, x1 * cp0) >> 32n));
      const s1 = BigInt.asIntN(64, acc0[i]! + BigInt.asUintN(64, x * c - h * q) - fourq);
      const s2 = BigInt.asIntN(64, s1 + BigInt.asUintN(64, fourq & BigInt.asUintN(64, s1 >> 63n)) - twoq);
      acc0[i] = BigInt.asUintN(64, s2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s2 >> 63n)));
    }
    {
      const x = b1[i]!;
      const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
      const h = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, x0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, x1 * cp0) >> 32n));
      const s1 = BigInt.asIntN(64, acc1[i]! + BigInt.asUintN(64, x * c - h * q) - fourq);
      const s2 = BigInt.asIntN(64, s1 + BigInt.asUintN(64, fourq & BigInt.asUintN(64, s1 >> 63n)) - twoq);
      acc1[i] = BigInt.asUintN(64, s2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s2 >> 63n)));
    }
  }
}

/**
 * As `mulShoupAccumulate2` without any reduction: each product adds x·w − h'·q ∈ [0, 4q) to plain 64-bit sums. The
 * caller guarantees acc + (number of calls)·4q < 2^64 (`lazyProductCapacity`) and reduces at the end.
 */
export function mulShoupAccumulate2Lazy(
  w: BigUint64Array, wShoup: BigUint64Array, b0: BigUint64Array, b1: BigUint64Array, acc0: BigUint64Array, acc1: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const n = acc0.length;
  for (let i = 0; i < n; i++) {
    const c = w[i]!;
    const cp = wShoup[i]!;
    const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
    {
      const x = b0[i]!;
      const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
      const h = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, x0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, x1 * cp0) >> 32n));
      acc0[i] = BigInt.asUintN(64, acc0[i]! + BigInt.asUintN(64, x * c - h * q));
    }
    {
      const x = b1[i]!;
      const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
      const h = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, x0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, x1 * cp0) >> 32n));
      acc1[i] = BigInt.asUintN(64, acc1[i]! + BigInt.asUintN(64, x * c - h * q));
    }
  }
}

/** How many lazy products (each < 4q) zero accumulators can take without overflowing 64 bits: ⌊(2^64 − 1)/(4q)⌋. */
export function lazyProductCapacity(q: bigint): number {
  const c = ((1n << 64n) - 1n) / (4n * q);
  return c > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(c);
}

/**
 * One limb of (acc0, acc1) = Σ_t w_t ⊙ (c0_t, c1_t) mod q, fully reduced to [0, q); acc0, acc1 are zero on entry.
 * Small primes (enough headroom for all the terms) take the reduction-free kernel and one Barrett pass at the end;
 * others the lazy [0, 2q) kernel. The two give the same residues.
 */
export function plaintextDotLimb(
  w: readonly BigUint64Array[], wShoup: readonly BigUint64Array[], c0: readonly BigUint64Array[], c1: readonly BigUint64Array[],
  acc0: BigUint64Array, acc1: BigUint64Array, m: Modulus,
): void {
  const q = m.value;
  if (w.length <= lazyProductCapacity(q)) {
    for (let t = 0; t < w.length; t++) mulShoupAccumulate2Lazy(w[t]!, wShoup[t]!, c0[t]!, c1[t]!, acc0, acc1, q);
    reduceBarrett(acc0, acc0, q, m.barrett);
    reduceBarrett(acc1, acc1, q, m.barrett);
    return;
  }
  for (let t = 0; t < w.length; t++) mulShoupAccumulate2(w[t]!, wShoup[t]!, c0[t]!, c1[t]!, acc0, acc1, q);
  addScalarMod(acc0, 0n, acc0, q);
  addScalarMod(acc1, 0n, acc1, q);
}

/**
 * out[i] = ⌊w[i]·2^64/q⌋ for w[i] < q, without a BigInt division: with 2^64 = k·q + t (k = ⌊2^64/q⌋ = m.barrett,
 * t = 2^64 mod q = m.rModQ), w·2^64/q = w·k + w·t/q, and ⌊w·t/q⌋ is the Shoup quotient h = hi(w·t') with
 * t' = m.rModQShoup, plus one when w·t − h·q ≥ q (Shoup's remainder is in [0, 2q)). Exact; w·k + h + 1 < 2^64.
 * ~60× faster than `shoupCompanions` (one BigInt division per element).
 */
export function shoupCompanionsFast(w: BigUint64Array, out: BigUint64Array, m: Modulus): void {
  shoupCompanionsKernel(w, out, m.value, m.barrett, m.rModQ, m.rModQShoup);
}

function shoupCompanionsKernel(w: BigUint64Array, out: BigUint64Array, modulus: bigint, barrett: bigint, rModQ: bigint, rModQShoup: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const k = BigInt.asUintN(64, barrett);
  const t = BigInt.asUintN(64, rModQ);
  const tp = BigInt.asUintN(64, rModQShoup);
  const tp0 = BigInt.asUintN(64, tp & M32), tp1 = BigInt.asUintN(64, tp >> 32n);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = w[i]!;
    const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
    const p00 = BigInt.asUintN(64, x0 * tp0), p01 = BigInt.asUintN(64, x0 * tp1), p10 = BigInt.asUintN(64, x1 * tp0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const h = BigInt.asUintN(64, x1 * tp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const r = BigInt.asIntN(64, BigInt.asUintN(64, x * t - h * q) - q); // ≥ 0 exactly when the remainder is ≥ q
    const carry = BigInt.asUintN(64, BigInt.asUintN(64, r >> 63n) + 1n); // 1 when r ≥ 0, else 0
    out[i] = BigInt.asUintN(64, x * k + h + carry);
  }
}

/** A fixed plaintext polynomial (evaluation form, residues in [0, q)) with its Shoup companions, limb by limb. */
export interface ShoupPoly {
  readonly poly: RnsPoly;
  readonly shoup: RnsPoly;
}

/** `p` with the Shoup companions of its residues (p itself is kept, not copied). */
export function shoupForm(p: RnsPoly): ShoupPoly {
  const shoup = new RnsPoly(p.basis, p.form);
  for (let l = 0; l < p.limbCount; l++) shoupCompanionsFast(p.limb(l), shoup.limb(l), p.basis.moduli[l]!);
  return { poly: p, shoup };
}

/** See `warmUpKernels` in baseConversion.ts: feedback before the first long call keeps the int64 lowering. */
function warmUp(): void {
  const q = (1n << 61n) - 1n;
  const w = new BigUint64Array(8).map((_, i) => BigInt(i) * 0x1f2e3d4c5b6a798n % q);
  const wp = w.map((v) => (v << 64n) / q);
  const b = new BigUint64Array(8).map((_, i) => BigInt(7 - i) * 0x123456789abcdefn % q);
  const acc0 = new BigUint64Array(8);
  const acc1 = new BigUint64Array(8);
  const tp = ((((1n << 64n) % q) << 64n) / q);
  for (let r = 0; r < 32; r++) {
    mulShoupAccumulate2(w, wp, b, w, acc0, acc1, q);
    mulShoupAccumulate2Lazy(w, wp, b, w, acc0, acc1, q);
    shoupCompanionsKernel(w, acc0, q, (1n << 64n) / q, (1n << 64n) % q, tp);
  }
}
warmUp();
