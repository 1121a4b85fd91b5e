/**
 * Samplers for RLWE: uniform residues, ternary secrets (uniform or fixed Hamming weight) and the error
 * distribution. Small signed polynomials are returned as Int8Array/Int32Array and lifted to each RNS limb
 * with `smallToResidues`.
 *
 * - Uniform mod q: rejection sampling on 64-bit words masked to the bit length of q (acceptance > 1/2), no bias.
 * - Ternary: each coefficient uniform in {−1, 0, 1}, from bytes < 255 reduced mod 3 (rejecting 255), no bias.
 * - Hamming weight h: h distinct positions uniform in [0, N−1] (partial Fisher–Yates with unbiased indices),
 *   signs ±1 equiprobable.
 * - Error: the rounded continuous Gaussian of standard deviation σ (Box–Muller on 53-bit uniforms), with
 *   samples of |x| > bound rejected — the "clipped normal" SEAL and the HE standard use (σ = 3.2, bound 6σ).
 */
import { type RandomSource, RandomReader } from './randomSource.js';
import { bitLength } from './modularScalar.js';

/** Fills `out` with independent uniform values in [0, q). */
export function sampleUniformModQ(q: bigint, out: BigUint64Array, src: RandomSource): void {
  if (typeof q !== 'bigint' || q < 2n || q >= 1n << 64n) throw new RangeError('sampleUniformModQ: q must be a bigint in [2, 2^64)');
  const bits = bitLength(q - 1n);
  const mask = (1n << BigInt(bits)) - 1n;
  // Draw in bulk: twice the words needed covers the expected rejections (acceptance ≥ 1/2); top up if short.
  const n = out.length;
  let filled = 0;
  while (filled < n) {
    const want = Math.max(64, 2 * (n - filled) + 8);
    const words = new BigUint64Array(want);
    src.fillBytes(new Uint8Array(words.buffer));
    filled = acceptBelow(words, mask, q, out, filled);
  }
}

/** Copies words (masked) that are < q into out from position `filled`; returns the new fill count. */
function acceptBelow(words: BigUint64Array, maskIn: bigint, qIn: bigint, out: BigUint64Array, filled: number): number {
  const mask = BigInt.asUintN(64, maskIn);
  const q = BigInt.asUintN(64, qIn);
  const n = out.length;
  let f = filled;
  for (let i = 0; i < words.length && f < n; i++) {
    const v = BigInt.asUintN(64, words[i]! & mask);
    if (v < q) out[f++] = v;
  }
  return f;
}

/** N coefficients uniform in {−1, 0, 1}. */
export function sampleTernaryUniform(N: number, src: RandomSource): Int8Array {
  checkLength(N, 'sampleTernaryUniform');
  const reader = new RandomReader(src);
  const out = new Int8Array(N);
  for (let i = 0; i < N; i++) {
    let b = reader.byte();
    while (b === 255) b = reader.byte();
    out[i] = (b % 3) - 1;
  }
  return out;
}

/** N coefficients with exactly h non-zero entries ±1 at uniformly random distinct positions. */
export function sampleTernaryHammingWeight(N: number, h: number, src: RandomSource): Int8Array {
  checkLength(N, 'sampleTernaryHammingWeight');
  if (!Number.isInteger(h) || h < 0 || h > N) throw new RangeError(`sampleTernaryHammingWeight: h must be an integer in [0, N = ${N}], got ${h}`);
  const reader = new RandomReader(src);
  const positions = new Int32Array(N);
  for (let i = 0; i < N; i++) positions[i] = i;
  const out = new Int8Array(N);
  for (let i = 0; i < h; i++) {
    // j uniform in [i, N−1]: rejection on 32-bit words to avoid modulo bias
    const range = N - i;
    const limit = Math.floor(0x100000000 / range) * range;
    let r = reader.uint32();
    while (r >= limit) r = reader.uint32();
    const j = i + (r % range);
    const t = positions[i]!;
    positions[i] = positions[j]!;
    positions[j] = t;
    out[positions[i]!] = (reader.byte() & 1) === 0 ? 1 : -1;
  }
  return out;
}

/** N rounded Gaussian samples of standard deviation σ, rejecting |x| > bound (default 6σ). */
export function sampleGaussian(N: number, sigma: number, bound: number, src: RandomSource): Int32Array {
  checkLength(N, 'sampleGaussian');
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`sampleGaussian: sigma must be a positive number, got ${sigma}`);
  if (!(bound >= 0) || !Number.isFinite(bound)) throw new RangeError(`sampleGaussian: bound must be a non-negative number, got ${bound}`);
  const reader = new RandomReader(src);
  const out = new Int32Array(N);
  let i = 0;
  while (i < N) {
    // Box–Muller: two independent standard normals from two uniforms (u1 ∈ (0, 1]).
    const u1 = 1 - reader.float53();
    const u2 = reader.float53();
    const radius = sigma * Math.sqrt(-2 * Math.log(u1));
    const z0 = radius * Math.cos(2 * Math.PI * u2);
    const z1 = radius * Math.sin(2 * Math.PI * u2);
    if (Math.abs(z0) <= bound) out[i++] = Math.round(z0);
    if (i < N && Math.abs(z1) <= bound) out[i++] = Math.round(z1);
  }
  return out;
}

/** out[j] = coeffs[j] mod q (negative c ↦ q + c) for one RNS limb; |coeffs[j]| < q. */
export function smallToResidues(coeffs: Int8Array | Int32Array, q: bigint, out: BigUint64Array): void {
  if (out.length !== coeffs.length) throw new RangeError('smallToResidues: length mismatch');
  let min = 0;
  let max = 0;
  for (let j = 0; j < coeffs.length; j++) {
    const c = coeffs[j]!;
    if (c < min) min = c;
    if (c > max) max = c;
  }
  if (BigInt(Math.max(max, -min)) >= q) throw new RangeError('smallToResidues: a coefficient is not smaller than q');
  // Small coefficients take few distinct values: look their residues up instead of converting each one.
  const table = new BigUint64Array(max - min + 1);
  for (let c = min; c <= max; c++) table[c - min] = c >= 0 ? BigInt(c) : q - BigInt(-c);
  for (let j = 0; j < coeffs.length; j++) out[j] = table[coeffs[j]! - min]!;
}

function checkLength(N: number, what: string): void {
  if (!Number.isInteger(N) || N < 1 || N > 1 << 20) throw new RangeError(`${what}: N must be an integer in [1, 2^20], got ${N}`);
}
