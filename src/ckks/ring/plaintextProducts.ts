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
 *
 * Sparse packing: a message in n < N/2 slots is a polynomial in X^g, g = N/(2n) (canonical embedding, CKKS §3), so
 * its value at the root ψ^e depends only on e·g mod 2N; in the NTT's bit-reversed output order (entry j holds the
 * value at ψ^(2·brv(j)+1)) that is the top log2(2n) bits of j: the evaluation form is constant on runs of g entries.
 * `shoupForm(p, log2 g)` stores one residue (and companion) per run — g times less memory and memory traffic for a
 * linear transform's diagonals at 256 slots of N = 2^15 (g = 64) — and the `…Blocked` kernels read them run by run.
 */
import { addScalarMod, reduceBarrett } from './modularKernels.js';
import type { Modulus } from './modulus.js';
import type { RnsBasis } from './rnsBasis.js';
import type { RnsPoly } from './rnsPoly.js';
import { acceleratorOf } from './accelerator.js';

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

/**
 * `mulShoupAccumulate2` for a plaintext stored one residue per run of 2^blockLog entries: w[k], wShoup[k] multiply
 * entries [k·2^blockLog, (k + 1)·2^blockLog) of b0, b1 (acc, b: full length; w, wShoup: length >> blockLog). The
 * element step repeats the full kernel's on purpose: a shared helper returning a BigInt would rely on V8 inlining it
 * to keep the int64 lowering (see modularKernels.ts), and runs of 1 would cost the full kernel an inner loop.
 */
export function mulShoupAccumulate2Blocked(
  w: BigUint64Array, wShoup: BigUint64Array, blockLog: number, b0: BigUint64Array, b1: BigUint64Array, acc0: BigUint64Array, acc1: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const twoq = BigInt.asUintN(64, q + q);
  const fourq = BigInt.asUintN(64, twoq + twoq);
  const run = 1 << blockLog;
  const blocks = acc0.length >> blockLog;
  for (let k = 0, i = 0; k < blocks; k++) {
    const c = w[k]!;
    const cp = wShoup[k]!;
    const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
    for (const end = i + run; i < end; i++) {
      const x = b0[i]!;
      const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
      const h = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, x0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, x1 * cp0) >> 32n));
      const s1 = BigInt.asIntN(64, acc0[i]! + BigInt.asUintN(64, x * c - h * q) - fourq);
      const s2 = BigInt.asIntN(64, s1 + BigInt.asUintN(64, fourq & BigInt.asUintN(64, s1 >> 63n)) - twoq);
      acc0[i] = BigInt.asUintN(64, s2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s2 >> 63n)));
      const y = b1[i]!;
      const y0 = BigInt.asUintN(64, y & M32), y1 = BigInt.asUintN(64, y >> 32n);
      const g = BigInt.asUintN(64, y1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, y0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, y1 * cp0) >> 32n));
      const t1 = BigInt.asIntN(64, acc1[i]! + BigInt.asUintN(64, y * c - g * q) - fourq);
      const t2 = BigInt.asIntN(64, t1 + BigInt.asUintN(64, fourq & BigInt.asUintN(64, t1 >> 63n)) - twoq);
      acc1[i] = BigInt.asUintN(64, t2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, t2 >> 63n)));
    }
  }
}

/** `mulShoupAccumulate2Lazy` for a plaintext stored one residue per run of 2^blockLog entries (as the above). */
export function mulShoupAccumulate2LazyBlocked(
  w: BigUint64Array, wShoup: BigUint64Array, blockLog: number, b0: BigUint64Array, b1: BigUint64Array, acc0: BigUint64Array, acc1: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const run = 1 << blockLog;
  const blocks = acc0.length >> blockLog;
  for (let k = 0, i = 0; k < blocks; k++) {
    const c = w[k]!;
    const cp = wShoup[k]!;
    const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
    for (const end = i + run; i < end; i++) {
      const x = b0[i]!;
      const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
      const h = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, x0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, x1 * cp0) >> 32n));
      acc0[i] = BigInt.asUintN(64, acc0[i]! + BigInt.asUintN(64, x * c - h * q));
      const y = b1[i]!;
      const y0 = BigInt.asUintN(64, y & M32), y1 = BigInt.asUintN(64, y >> 32n);
      const g = BigInt.asUintN(64, y1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, y0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, y1 * cp0) >> 32n));
      acc1[i] = BigInt.asUintN(64, acc1[i]! + BigInt.asUintN(64, y * c - g * q));
    }
  }
}

/**
 * One part of `mulShoupAccumulate2Blocked`: acc[i] += w[i >> blockLog]·b[i] mod q, lazily in [0, 2q) (acc in [0, 2q) on
 * entry). For the limbs of P, where mixed hoisting multiplies only the first part of its baby steps (blockLog 0 works:
 * runs of one entry).
 */
export function mulShoupAccumulateBlocked(
  w: BigUint64Array, wShoup: BigUint64Array, blockLog: number, b: BigUint64Array, acc: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const twoq = BigInt.asUintN(64, q + q);
  const fourq = BigInt.asUintN(64, twoq + twoq);
  const run = 1 << blockLog;
  const blocks = acc.length >> blockLog;
  for (let k = 0, i = 0; k < blocks; k++) {
    const c = w[k]!;
    const cp = wShoup[k]!;
    const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
    for (const end = i + run; i < end; i++) {
      const x = b[i]!;
      const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
      const h = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, x0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, x1 * cp0) >> 32n));
      const s1 = BigInt.asIntN(64, acc[i]! + BigInt.asUintN(64, x * c - h * q) - fourq);
      const s2 = BigInt.asIntN(64, s1 + BigInt.asUintN(64, fourq & BigInt.asUintN(64, s1 >> 63n)) - twoq);
      acc[i] = BigInt.asUintN(64, s2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s2 >> 63n)));
    }
  }
}

/** One part of `mulShoupAccumulate2LazyBlocked` (no reduction; the caller bounds the number of calls). */
export function mulShoupAccumulateLazyBlocked(
  w: BigUint64Array, wShoup: BigUint64Array, blockLog: number, b: BigUint64Array, acc: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const run = 1 << blockLog;
  const blocks = acc.length >> blockLog;
  for (let k = 0, i = 0; k < blocks; k++) {
    const c = w[k]!;
    const cp = wShoup[k]!;
    const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
    for (const end = i + run; i < end; i++) {
      const x = b[i]!;
      const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
      const h = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, x0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, x1 * cp0) >> 32n));
      acc[i] = BigInt.asUintN(64, acc[i]! + BigInt.asUintN(64, x * c - h * q));
    }
  }
}

/**
 * acc0[i] += x[i]·wb[i], acc1[i] += x[i]·wa[i] (mod q, lazily in [0, 2q)) for two FIXED operands with Shoup companions
 * (a switching key's two parts) and one variable x (a digit): the digit is read and split once. With the keys in
 * Montgomery form (w = k·2^64) the sums carry a factor 2^64, removed by one Shoup multiplication by 2^{-64} at the end
 * (`KeySwitcher.keyCompanions`). acc ∈ [0, 2q) on entry and exit.
 */
export function mulShoupKeysAccumulate2(
  x: BigUint64Array, wb: BigUint64Array, wbShoup: BigUint64Array, wa: BigUint64Array, waShoup: BigUint64Array,
  acc0: BigUint64Array, acc1: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const twoq = BigInt.asUintN(64, q + q);
  const fourq = BigInt.asUintN(64, twoq + twoq);
  const n = acc0.length;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const v0 = BigInt.asUintN(64, v & M32), v1 = BigInt.asUintN(64, v >> 32n);
    {
      const c = wb[i]!;
      const cp = wbShoup[i]!;
      const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
      const h = BigInt.asUintN(64, v1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, v0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, v1 * cp0) >> 32n));
      const s1 = BigInt.asIntN(64, acc0[i]! + BigInt.asUintN(64, v * c - h * q) - fourq);
      const s2 = BigInt.asIntN(64, s1 + BigInt.asUintN(64, fourq & BigInt.asUintN(64, s1 >> 63n)) - twoq);
      acc0[i] = BigInt.asUintN(64, s2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s2 >> 63n)));
    }
    {
      const c = wa[i]!;
      const cp = waShoup[i]!;
      const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
      const h = BigInt.asUintN(64, v1 * cp1 + BigInt.asUintN(64, BigInt.asUintN(64, v0 * cp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, v1 * cp0) >> 32n));
      const s1 = BigInt.asIntN(64, acc1[i]! + BigInt.asUintN(64, v * c - h * q) - fourq);
      const s2 = BigInt.asIntN(64, s1 + BigInt.asUintN(64, fourq & BigInt.asUintN(64, s1 >> 63n)) - twoq);
      acc1[i] = BigInt.asUintN(64, s2 + BigInt.asUintN(64, twoq & BigInt.asUintN(64, s2 >> 63n)));
    }
  }
}

/** log2 of the run length N/(2·slots) on which a message packed in `slots` slots is constant in evaluation form. */
export function slotRunLog(ringDegree: number, slots: number): number {
  return Math.log2(ringDegree / (2 * slots));
}

/** How many lazy products (each < 4q) zero accumulators can take without overflowing 64 bits: ⌊(2^64 − 1)/(4q)⌋. */
export function lazyProductCapacity(q: bigint): number {
  const c = ((1n << 64n) - 1n) / (4n * q);
  return c > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(c);
}

/**
 * One limb of (acc0, acc1) = Σ_t w_t ⊙ (c0_t, c1_t) mod q, fully reduced to [0, q); acc0, acc1 are zero on entry.
 * Small primes (enough headroom for all the terms) take the reduction-free kernel and one Barrett pass at the end;
 * others the lazy [0, 2q) kernel. The two give the same residues. With `blockLog` > 0 the plaintexts hold one residue
 * per run of 2^blockLog entries (`ShoupPlaintext`).
 */
export function plaintextDotLimb(
  w: readonly BigUint64Array[], wShoup: readonly BigUint64Array[], c0: readonly BigUint64Array[], c1: readonly BigUint64Array[],
  acc0: BigUint64Array, acc1: BigUint64Array, m: Modulus, blockLog = 0,
): void {
  const q = m.value;
  const expected = acc0.length >> blockLog;
  for (let t = 0; t < w.length; t++) {
    if (w[t]!.length !== expected || wShoup[t]!.length !== expected) throw new RangeError(`plaintextDotLimb: plaintext limb of ${w[t]!.length} words, expected ${expected} (blockLog ${blockLog})`);
  }
  if (w.length <= lazyProductCapacity(q)) {
    for (let t = 0; t < w.length; t++) {
      if (blockLog === 0) mulShoupAccumulate2Lazy(w[t]!, wShoup[t]!, c0[t]!, c1[t]!, acc0, acc1, q);
      else mulShoupAccumulate2LazyBlocked(w[t]!, wShoup[t]!, blockLog, c0[t]!, c1[t]!, acc0, acc1, q);
    }
    reduceBarrett(acc0, acc0, q, m.barrett);
    reduceBarrett(acc1, acc1, q, m.barrett);
    return;
  }
  for (let t = 0; t < w.length; t++) {
    if (blockLog === 0) mulShoupAccumulate2(w[t]!, wShoup[t]!, c0[t]!, c1[t]!, acc0, acc1, q);
    else mulShoupAccumulate2Blocked(w[t]!, wShoup[t]!, blockLog, c0[t]!, c1[t]!, acc0, acc1, q);
  }
  addScalarMod(acc0, 0n, acc0, q);
  addScalarMod(acc1, 0n, acc1, q);
}

/**
 * One part of `plaintextDotLimb`: acc = Σ_t w_t ⊙ c_t mod q over one limb, fully reduced; acc is zero on entry (the
 * limbs of P of mixed hoisting's first parts). Same choice of lazy or reducing kernel, same residues.
 */
export function plaintextDotLimb1(
  w: readonly BigUint64Array[], wShoup: readonly BigUint64Array[], c: readonly BigUint64Array[], acc: BigUint64Array, m: Modulus, blockLog = 0,
): void {
  const q = m.value;
  const expected = acc.length >> blockLog;
  for (let t = 0; t < w.length; t++) {
    if (w[t]!.length !== expected || wShoup[t]!.length !== expected) throw new RangeError(`plaintextDotLimb1: plaintext limb of ${w[t]!.length} words, expected ${expected} (blockLog ${blockLog})`);
  }
  if (w.length <= lazyProductCapacity(q)) {
    for (let t = 0; t < w.length; t++) mulShoupAccumulateLazyBlocked(w[t]!, wShoup[t]!, blockLog, c[t]!, acc, q);
    reduceBarrett(acc, acc, q, m.barrett);
    return;
  }
  for (let t = 0; t < w.length; t++) mulShoupAccumulateBlocked(w[t]!, wShoup[t]!, blockLog, c[t]!, acc, q);
  addScalarMod(acc, 0n, acc, q);
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

/**
 * A fixed plaintext in evaluation form (residues in [0, q)) with its Shoup companions, one word per run of
 * 2^blockLog equal entries (blockLog 0: every entry). `values` and `shoup` hold basis.size limbs of
 * N >> blockLog words each, limb-major; in shared memory when the basis has a thread pool.
 */
export class ShoupPlaintext {
  constructor(readonly basis: RnsBasis, readonly blockLog: number, readonly values: BigUint64Array, readonly shoup: BigUint64Array) {
    const words = basis.size * (basis.ringDegree >> blockLog);
    if (!Number.isInteger(blockLog) || blockLog < 0 || 1 << blockLog > basis.ringDegree) throw new RangeError(`ShoupPlaintext: blockLog ${blockLog} outside [0, log2 N]`);
    if (values.length !== words || shoup.length !== words) throw new RangeError(`ShoupPlaintext: ${values.length} and ${shoup.length} words, expected ${words}`);
  }

  /** Words per limb: N >> blockLog. */
  get wordsPerLimb(): number {
    return this.basis.ringDegree >> this.blockLog;
  }

  /** The stored residues of limb i (one per run). */
  limb(i: number): BigUint64Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.basis.size) throw new RangeError(`ShoupPlaintext.limb: index ${i} out of range`);
    return this.values.subarray(i * this.wordsPerLimb, (i + 1) * this.wordsPerLimb);
  }

  /** Their Shoup companions ⌊w·2^64/q⌋. */
  shoupLimb(i: number): BigUint64Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.basis.size) throw new RangeError(`ShoupPlaintext.shoupLimb: index ${i} out of range`);
    return this.shoup.subarray(i * this.wordsPerLimb, (i + 1) * this.wordsPerLimb);
  }
}

/**
 * `p` (evaluation form) with the Shoup companions of its residues, stored one word per run of 2^blockLog entries:
 * RangeError unless p is constant on every run (for a message in n slots, blockLog = log2(N/(2n)) holds by
 * construction; the check costs one pass and catches any other layout). p is copied, not kept.
 */
export function shoupForm(p: RnsPoly, blockLog = 0): ShoupPlaintext {
  p.requireForm('evaluation', 'shoupForm');
  const n = p.ringDegree;
  if (!Number.isInteger(blockLog) || blockLog < 0 || 1 << blockLog > n) throw new RangeError(`shoupForm: blockLog ${blockLog} outside [0, log2 N]`);
  const run = 1 << blockLog;
  const per = n >> blockLog;
  const words = p.limbCount * per;
  const accelerator = acceleratorOf(p.basis);
  const values = accelerator?.allocate(words) ?? new BigUint64Array(words);
  const shoup = accelerator?.allocate(words) ?? new BigUint64Array(words);
  for (let l = 0; l < p.limbCount; l++) {
    const limb = p.limb(l);
    const stored = values.subarray(l * per, (l + 1) * per);
    for (let k = 0; k < per; k++) {
      const v = limb[k * run]!;
      for (let i = k * run + 1; i < (k + 1) * run; i++) {
        if (limb[i] !== v) throw new RangeError(`shoupForm: the polynomial is not constant on runs of ${run} entries (limb ${l}, entry ${i}); is it packed in more than N/${2 * run} slots?`);
      }
      stored[k] = v;
    }
    shoupCompanionsFast(stored, shoup.subarray(l * per, (l + 1) * per), p.basis.moduli[l]!);
  }
  return new ShoupPlaintext(p.basis, blockLog, values, shoup);
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
    mulShoupAccumulate2Blocked(w.subarray(0, 4), wp.subarray(0, 4), 1, b, w, acc0, acc1, q);
    mulShoupAccumulate2LazyBlocked(w.subarray(0, 4), wp.subarray(0, 4), 1, b, w, acc0, acc1, q);
    mulShoupAccumulateBlocked(w.subarray(0, 4), wp.subarray(0, 4), 1, b, acc0, q);
    mulShoupAccumulateLazyBlocked(w.subarray(0, 4), wp.subarray(0, 4), 1, b, acc1, q);
    acc0.fill(0n);
    acc1.fill(0n);
    mulShoupKeysAccumulate2(b, w, wp, w, wp, acc0, acc1, q);
  }
}
warmUp();
