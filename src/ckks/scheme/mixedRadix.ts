/**
 * Fast centered lift of RNS values to float64 for decoding, without BigInt per coefficient.
 *
 * Garner's algorithm (Garner 1959; Knuth TAOCP vol. 2, §4.3.2) gives the mixed-radix digits of x ∈ [0, Q):
 *   x = a_0 + a_1·q_0 + a_2·q_0q_1 + … ,  a_i ∈ [0, q_i),
 *   a_i = ((…((r_i − a_0)·q_0^{-1} − a_1)·q_1^{-1} − …) − a_{i−1})·q_{i−1}^{-1}  mod q_i,
 * computed limb-vector by limb-vector with the lowered kernels (Barrett, subtract, Shoup). The centered value
 * is taken as negative iff a_{k−1} > ⌊q_{k−1}/2⌋ — the centered representative except within Q/(2q_{k−1}) of
 * ±Q/2, a region no correct CKKS value reaches (it would have overflowed long before) — and then
 *   x − Q = −(Σ_i c_i·Π_{j<i} q_j) − 1  with  c_i = q_i − 1 − a_i ≥ 0,
 * whose high digits vanish for small |x|. Horner from the top digit in float64 gives the value with relative
 * error ≈ k·2^-53 — exact enough for decoding, and never wrong in sign or magnitude the way a CRT truncated to
 * a few primes would be.
 */
import { mulScalarShoup, reduceBarrett, subMod } from '../ring/modularKernels.js';
import { modInverse, shoupCompanion } from '../ring/modularScalar.js';
import type { RnsBasis } from '../ring/rnsBasis.js';

const TWO_32 = 4294967296;

/**
 * values[t] = centered(x_t)/scale for the integers x_t whose residues are `residues[i][t]` (limb i, t < count).
 * `residues` arrays are consumed (overwritten with the mixed-radix digits).
 */
export function mixedRadixToFloat(basis: RnsBasis, residues: BigUint64Array[], scale: number, out: Float64Array): void {
  const k = basis.size;
  const count = out.length;
  const moduli = basis.moduli;
  const tmp = new BigUint64Array(count);
  for (let i = 1; i < k; i++) {
    const m = moduli[i]!;
    const qi = m.value;
    const digit = residues[i]!;
    for (let j = 0; j < i; j++) {
      const qj = moduli[j]!.value;
      reduceBarrett(residues[j]!, tmp, qi, m.barrett);
      subMod(digit, tmp, digit, qi);
      const inv = modInverse(qj % qi, qi);
      mulScalarShoup(digit, inv, shoupCompanion(inv, qi), digit, qi);
    }
  }
  // Negative values (top digit ≥ q_top/2): use the complemented digits c_i = q_i − 1 − a_i ≥ 0, exactly,
  // so that x − Q = −(Σ_i c_i·Π_{j<i} q_j) − 1 is evaluated without cancellation.
  const mask = new BigUint64Array(count);
  negativeMask(residues[k - 1]!, mask, moduli[k - 1]!.value >> 1n);
  for (let i = 0; i < k; i++) complementWhere(residues[i]!, mask, moduli[i]!.value - 1n);
  const views = residues.map((r) => new Uint32Array(r.buffer, r.byteOffset, 2 * count));
  const maskView = new Uint32Array(mask.buffer);
  const qf = moduli.map((m) => Number(m.value));
  for (let t = 0; t < count; t++) {
    let v = 0;
    for (let i = k - 1; i >= 0; i--) {
      const w = views[i]!;
      v = v * qf[i]! + (w[2 * t + 1]! * TWO_32 + w[2 * t]!);
    }
    out[t] = (maskView[2 * t] !== 0 ? -v - 1 : v) / scale;
  }
}

/** mask[t] = all-ones if top[t] > half, else 0 (branch-free). */
function negativeMask(top: BigUint64Array, mask: BigUint64Array, halfIn: bigint): void {
  const half = BigInt.asUintN(64, halfIn);
  const n = mask.length;
  for (let t = 0; t < n; t++) {
    const d = BigInt.asIntN(64, half - top[t]!);
    mask[t] = BigInt.asUintN(64, d >> 63n);
  }
}

/** digits[t] ← (qMinusOne − digits[t]) where mask[t] is all-ones (branch-free select). */
function complementWhere(digits: BigUint64Array, mask: BigUint64Array, qMinusOneIn: bigint): void {
  const qm1 = BigInt.asUintN(64, qMinusOneIn);
  const n = mask.length;
  for (let t = 0; t < n; t++) {
    const a = digits[t]!;
    const c = BigInt.asUintN(64, qm1 - a);
    const m = mask[t]!;
    digits[t] = BigInt.asUintN(64, a ^ BigInt.asUintN(64, m & BigInt.asUintN(64, a ^ c)));
  }
}

/** Warm-up at module load so V8 lowers these kernels to int64 (see modularKernels.ts). */
function warmUp(): void {
  const top = new BigUint64Array(8).map((_, i) => BigInt(i) * 1000n);
  const mask = new BigUint64Array(8);
  const digits = top.slice();
  for (let k = 0; k < 32; k++) {
    negativeMask(top, mask, 3500n);
    complementWhere(digits, mask, 7000n);
  }
}
warmUp();
