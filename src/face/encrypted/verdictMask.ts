/**
 * The verdict mask of the encrypted matcher: a plaintext that is a random positive multiplier r_g in one slot per
 * verdict (slot g·B, g < G) and zero in every other slot, encoded EXACTLY — the integer polynomial nearest to
 * S·τ^{-1}(v) (τ the canonical embedding, encoder.ts / canonicalEmbedding.ts), rounded once with BigInt fixed-point
 * arithmetic instead of float64.
 *
 * Why exact: the mask's zero slots must be zero to within the rounding of one coefficient (≤ 1/2), because the
 * score ciphertext it multiplies holds data (partial sums) in those slots, and after the product and rescale every
 * leftover is seen by the key holder unless the noise flooding covers it. A float64 encoding keeps ≈ 2^-50 of the
 * largest coefficient, far more than 1/2 at the scales the flooding needs (≈ 2^85 for the product).
 *
 * Formula (canonical embedding with n slots, M = 4n, ξ = e^{2πi/M}, slot j at ξ^{e_j}, e_j = 5^j mod M; for real
 * slot values z_j):  c_k = (1/n)·Σ_j z_j·cos(2π·e_j·k/M), k < 2n, placed at X^{k·N/(2n)}.
 * For the verdict slots j = g·B (B a power of two), e_j = 5^{gB} runs over the subgroup {e ≡ 1 mod 4B} of order
 * n/B, so e_j = 1 + 4B·m_j and Σ_j z_j ξ^{e_j k} = ξ^k·A_{k mod (n/B)} with A_u = Σ_j z_j ω^{m_j u}, ω = ξ^{4B}:
 * (n/B)·G products for the A_u and 2n for the coefficients instead of 2n·G.
 */
import type { CkksContext } from '../../ckks/scheme/context.js';
import { Plaintext } from '../../ckks/scheme/plaintext.js';
import { RnsPoly } from '../../ckks/ring/rnsPoly.js';
import { type RandomSource, systemRandom } from '../../ckks/ring/randomSource.js';

/** Fixed-point fraction bits of the root table (errors ≈ M·2^-F, far below the final rounding). */
const F = 192n;
const ONE = 1n << F;

/** arctan(1/x)·2^F by its Taylor series. */
function atanInverse(x: bigint): bigint {
  const x2 = x * x;
  let term = ONE / x;
  let sum = term;
  for (let k = 1n; term !== 0n; k++) {
    term /= x2;
    sum += (k % 2n === 1n ? -term : term) / (2n * k + 1n);
  }
  return sum;
}

/** π·2^F (Machin: π = 16·atan(1/5) − 4·atan(1/239)). */
function piFixed(): bigint {
  return 16n * atanInverse(5n) - 4n * atanInverse(239n);
}

/** (cos θ, sin θ)·2^F for a fixed-point θ = t/2^F with |θ| ≤ 2π (Taylor series). */
function cosSinFixed(theta: bigint): [bigint, bigint] {
  let c = ONE;
  let s = theta;
  let term = ONE;
  let termS = theta;
  const t2 = (theta * theta) >> F;
  for (let k = 1n; term !== 0n || termS !== 0n; k++) {
    term = -((term * t2) >> F) / ((2n * k - 1n) * (2n * k));
    termS = -((termS * t2) >> F) / ((2n * k) * (2n * k + 1n));
    c += term;
    s += termS;
  }
  return [c, s];
}

const rootTables = new Map<number, { re: bigint[]; im: bigint[] }>();

/** ξ^k·2^F for k < M, ξ = e^{2πi/M} (cached per M). */
function rootTable(M: number): { re: bigint[]; im: bigint[] } {
  const cached = rootTables.get(M);
  if (cached !== undefined) return cached;
  const [c, s] = cosSinFixed((2n * piFixed()) / BigInt(M));
  const re: bigint[] = new Array<bigint>(M);
  const im: bigint[] = new Array<bigint>(M);
  re[0] = ONE;
  im[0] = 0n;
  // every eighth entry is recomputed from the series so the recurrence's rounding cannot accumulate over 2^17 steps
  const pi = piFixed();
  for (let k = 1; k < M; k++) {
    if (k % 1024 === 0) {
      [re[k], im[k]] = cosSinFixed((2n * pi * BigInt(k)) / BigInt(M) - (k > M / 2 ? 2n * pi : 0n));
      continue;
    }
    const a = re[k - 1]!;
    const b = im[k - 1]!;
    re[k] = (a * c - b * s) >> F;
    im[k] = (a * s + b * c) >> F;
  }
  const table = { re, im };
  rootTables.set(M, table);
  return table;
}

/** round(x / d) for d > 0 (ties away from zero). */
function roundDiv(x: bigint, d: bigint): bigint {
  return x >= 0n ? (2n * x + d) / (2n * d) : -((-2n * x + d) / (2n * d));
}

/** Where the verdicts sit: slot g·block for g < count (block a power of two dividing slots). */
export interface VerdictSlots {
  readonly slots: number;
  readonly block: number;
  readonly count: number;
}

export function checkVerdictSlots(v: VerdictSlots): void {
  const pow2 = (x: number) => Number.isInteger(x) && x >= 1 && (x & (x - 1)) === 0;
  if (!pow2(v.slots) || !pow2(v.block) || v.block > v.slots) throw new RangeError(`verdict slots: block ${v.block} and slot count ${v.slots} must be powers of two, block ≤ slots`);
  if (!Number.isInteger(v.count) || v.count < 1 || v.count > v.slots / v.block) throw new RangeError(`verdict slots: count must be in [1, ${v.slots / v.block}], got ${v.count}`);
}

/**
 * The integer coefficients (length N, sparse packing spread with gap N/2n) of the polynomial nearest to the one
 * whose slot g·block holds values[g]/1 (values already multiplied by the scale) and every other slot 0.
 */
export function exactVerdictCoefficients(ringDegree: number, where: VerdictSlots, values: readonly bigint[]): bigint[] {
  checkVerdictSlots(where);
  if (values.length !== where.count) throw new RangeError(`exactVerdictCoefficients: ${values.length} values for ${where.count} verdicts`);
  const n = where.slots;
  if (2 * n > ringDegree) throw new RangeError(`exactVerdictCoefficients: ${n} slots need N ≥ ${2 * n}`);
  const M = 4 * n;
  const groups = n / where.block;
  const { re, im } = rootTable(M);
  // m_g with 5^{g·block} = 1 + 4·block·m_g (mod M)
  const step = modPow(5, where.block, M);
  const mIndex: number[] = [];
  let e = 1;
  for (let g = 0; g < where.count; g++) {
    mIndex.push((e - 1) / (4 * where.block));
    e = Number((BigInt(e) * BigInt(step)) % BigInt(M));
  }
  // A_u = Σ_g V_g ω^{m_g u}, ω = ξ^{4·block}: fixed point 2^F
  const aRe: bigint[] = new Array<bigint>(groups).fill(0n);
  const aIm: bigint[] = new Array<bigint>(groups).fill(0n);
  for (let u = 0; u < groups; u++) {
    let sr = 0n;
    let si = 0n;
    for (let g = 0; g < where.count; g++) {
      const v = values[g]!;
      if (v === 0n) continue;
      const idx = (4 * where.block * ((mIndex[g]! * u) % groups)) % M;
      sr += v * re[idx]!;
      si += v * im[idx]!;
    }
    aRe[u] = sr;
    aIm[u] = si;
  }
  const out: bigint[] = new Array<bigint>(ringDegree).fill(0n);
  const gap = ringDegree / (2 * n);
  const denominator = BigInt(n) << (2n * F);
  for (let k = 0; k < 2 * n; k++) {
    const u = k % groups;
    // Re(ξ^k · A_u)
    const x = re[k]! * aRe[u]! - im[k]! * aIm[u]!;
    out[k * gap] = roundDiv(x, denominator);
  }
  return out;
}

function modPow(base: number, exp: number, mod: number): number {
  let r = 1n;
  let b = BigInt(base) % BigInt(mod);
  let x = exp;
  const m = BigInt(mod);
  while (x > 0) {
    if (x & 1) r = (r * b) % m;
    b = (b * b) % m;
    x >>= 1;
  }
  return Number(r);
}

/**
 * The exactly encoded verdict plaintext at `level` with scale `scale`: slot g·block decodes to values[g]/scale
 * (up to one coefficient rounding), every other slot to 0 (same).
 */
export function encodeVerdictMask(ctx: CkksContext, level: number, where: VerdictSlots, values: readonly bigint[], scale: number): Plaintext {
  ctx.checkLevel(level);
  if (!(Number.isFinite(scale) && scale >= 1)) throw new RangeError(`encodeVerdictMask: scale must be finite and ≥ 1, got ${scale}`);
  const coefficients = exactVerdictCoefficients(ctx.ringDegree, where, values);
  const poly = RnsPoly.fromCoefficients(ctx.levelBasis(level), coefficients).toEvaluation();
  return new Plaintext(ctx, poly, scale, where.slots);
}

/** A uniform real in [0, 1) with 53 random bits. */
export function uniform53(random: RandomSource): number {
  const b = new Uint8Array(8);
  random.fillBytes(b);
  const view = new DataView(b.buffer);
  const hi = view.getUint32(0, true) >>> 11;
  const lo = view.getUint32(4, true);
  return (hi * 2 ** 32 + lo) / 2 ** 53;
}

/**
 * Random positive multipliers r = 2^{bits·u}, u uniform in [0, 1) (log-uniform on [1, 2^bits)), returned as the
 * integers round(r·scale) (scale a power of two: r keeps 52 fraction bits). Drawn from `random` (default the
 * platform CSPRNG, crypto.getRandomValues).
 */
export function randomMultipliers(count: number, bits: number, scale: number, random: RandomSource = systemRandom): bigint[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`randomMultipliers: count must be a positive integer, got ${count}`);
  if (!(Number.isFinite(bits) && bits >= 0 && bits <= 52)) throw new RangeError(`randomMultipliers: bits must be in [0, 52], got ${bits}`);
  const logScale = Math.log2(scale);
  if (!Number.isInteger(logScale) || logScale < 0) throw new RangeError(`randomMultipliers: scale must be a power of two ≥ 1, got ${scale}`);
  const out: bigint[] = [];
  for (let g = 0; g < count; g++) {
    const r = 2 ** (bits * uniform53(random));
    out.push(logScale >= 52 ? BigInt(Math.round(r * 2 ** 52)) << BigInt(logScale - 52) : BigInt(Math.round(r * scale)));
  }
  return out;
}
