/**
 * Samplers for RLWE / CKKS: uniform residues modulo a word-sized q, ternary secrets (uniform or of fixed Hamming
 * weight) and the error distribution. Small signed polynomials come back as Int8Array/Int32Array and are lifted
 * to each RNS limb with `smallToResidues`. Every sampler takes a `RandomSource` (default: the platform CSPRNG).
 *
 * - Uniform mod q: rejection sampling on 64-bit words masked to the bit length of q − 1 (acceptance > 1/2), so
 *   no modulo bias. The exact consumption of the stream is specified in docs/serialization.md (seeded keys).
 * - Uniform ternary: each coefficient uniform in {−1, 0, 1}, from bytes < 255 taken mod 3 (255 rejected).
 * - Fixed Hamming weight h (the sparse secrets of HE standard / bootstrapping parameters): h distinct positions
 *   uniform in [0, N − 1] by a partial Fisher–Yates shuffle with rejection-sampled indices, signs ±1 equiprobable.
 * - Error: rounded continuous Gaussian of parameter σ (Box–Muller on 53-bit uniform doubles), clipped at a
 *   bound by rejection — the "clipped normal" of SEAL and of the HomomorphicEncryption.org standard (σ = 3.2,
 *   bound 6σ). See `sampleGaussian` for the exact distribution.
 *
 * Hot loops work on 32-bit halves (Uint32Array / DataView) rather than BigInt, and nothing is allocated per
 * coefficient.
 */
import { type RandomSource, RandomReader, skipRandomBytes, systemRandom } from './randomSource.js';
import { bitLength } from './modularScalar.js';

/** True when typed arrays store words little-endian (decides which 32-bit half of a 64-bit slot is low). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = 1 - LO;

const TWO_POW_64 = 1n << 64n;

/** `smallToResidues` uses a lookup table when the coefficients span fewer values than this. */
const SMALL_TABLE_LIMIT = 1 << 16;

/** Largest ring degree the samplers accept. */
const MAX_DEGREE = 1 << 24;

function checkSource(src: RandomSource, what: string): void {
  if (src === null || typeof src !== 'object' || typeof src.fillBytes !== 'function') {
    throw new TypeError(`${what}: src must be a RandomSource (an object with fillBytes)`);
  }
}

function checkDegree(N: number, what: string): void {
  if (typeof N !== 'number' || !Number.isInteger(N) || N < 1 || N > MAX_DEGREE) {
    throw new RangeError(`${what}: N must be an integer in [1, 2^24], got ${String(N)}`);
  }
}

function checkModulus(q: bigint, what: string): void {
  if (typeof q !== 'bigint') throw new TypeError(`${what}: q must be a bigint`);
  if (q < 2n || q >= TWO_POW_64) throw new RangeError(`${what}: q must be in [2, 2^64), got ${q}`);
}

/**
 * Fills `out` with independent values uniform in [0, q), by rejection: 64-bit little-endian words of `src` are
 * masked to the bit length of q − 1 and kept when < q (each word is kept with probability > 1/2), so there is no
 * modulo bias. Words are drawn in blocks of max(64, 2·r + 8) (r = values still needed) and the unused rest of a
 * block is discarded — this exact rule makes seeded expansion reproducible (docs/serialization.md).
 *
 * @param q modulus, a bigint in [2, 2^64) (in this library a prime < 2^62).
 * @param out destination, filled completely.
 * @param src random source (default: the platform CSPRNG).
 */
export function sampleUniformModQ(q: bigint, out: BigUint64Array, src: RandomSource = systemRandom): void {
  checkModulus(q, 'sampleUniformModQ');
  if (!(out instanceof BigUint64Array)) throw new TypeError('sampleUniformModQ: out must be a BigUint64Array');
  checkSource(src, 'sampleUniformModQ');
  const n = out.length;
  if (n === 0) return;
  const bits = bitLength(q - 1n); // 1 … 64
  const qHi = Number(q >> 32n);
  const qLo = Number(q & 0xffffffffn);
  // Masks for the two 32-bit halves; `& mask` then `>>> 0` keeps them unsigned.
  const maskHi = bits <= 32 ? 0 : bits >= 64 ? 0xffffffff : 2 ** (bits - 32) - 1;
  const maskLo = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  const out32 = new Uint32Array(out.buffer, out.byteOffset, 2 * n);
  // Each round consumes a block of `words` 64-bit words from the stream (the amount is part of what seeded
  // expansions reproduce): candidates are read in 8 KiB chunks, and the part of the block left after the last
  // accepted value is skipped (without computing it when the source is seekable: half of each block, typically).
  const chunkWords = 1024;
  const chunk = new Uint8Array(8 * chunkWords);
  const chunk32 = new Uint32Array(chunk.buffer);
  let filled = 0;
  while (filled < n) {
    const words = Math.max(64, 2 * (n - filled) + 8);
    let drawn = 0;
    while (drawn < words && filled < n) {
      const take = Math.min(chunkWords, words - drawn);
      src.fillBytes(take === chunkWords ? chunk : chunk.subarray(0, 8 * take));
      drawn += take;
      for (let i = 0; i < take && filled < n; i++) {
        const lo = ((LITTLE_ENDIAN ? chunk32[2 * i]! : readLe32(chunk, 8 * i)) & maskLo) >>> 0;
        const hi = ((LITTLE_ENDIAN ? chunk32[2 * i + 1]! : readLe32(chunk, 8 * i + 4)) & maskHi) >>> 0;
        if (hi < qHi || (hi === qHi && lo < qLo)) {
          out32[2 * filled + LO] = lo;
          out32[2 * filled + HI] = hi;
          filled++;
        }
      }
    }
    skipRandomBytes(src, 8 * (words - drawn));
  }
}

function readLe32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/**
 * N coefficients independent and uniform in {−1, 0, 1} (each with probability exactly 1/3): bytes equal to 255
 * are rejected and a byte b < 255 gives (b mod 3) − 1.
 *
 * @param N number of coefficients (ring degree), an integer in [1, 2^24].
 * @param src random source (default: the platform CSPRNG).
 */
export function sampleTernaryUniform(N: number, src: RandomSource = systemRandom): Int8Array {
  checkDegree(N, 'sampleTernaryUniform');
  checkSource(src, 'sampleTernaryUniform');
  const reader = new RandomReader(src);
  const out = new Int8Array(N);
  for (let i = 0; i < N; i++) {
    let b = reader.byte();
    while (b === 255) b = reader.byte();
    out[i] = (b % 3) - 1;
  }
  return out;
}

/**
 * N coefficients with exactly h non-zero entries, each +1 or −1 with probability 1/2, at h distinct positions
 * chosen uniformly among all h-subsets of [0, N − 1]. Positions come from a partial Fisher–Yates shuffle: step i
 * swaps position i with one uniform in [i, N − 1] (a rejection-sampled 32-bit index, no modulo bias).
 *
 * @param N number of coefficients, an integer in [1, 2^24].
 * @param h Hamming weight, an integer in [0, N].
 * @param src random source (default: the platform CSPRNG).
 * @throws RangeError if h < 0, h > N or h is not an integer.
 */
export function sampleTernaryHammingWeight(N: number, h: number, src: RandomSource = systemRandom): Int8Array {
  checkDegree(N, 'sampleTernaryHammingWeight');
  if (typeof h !== 'number' || !Number.isInteger(h) || h < 0 || h > N) {
    throw new RangeError(`sampleTernaryHammingWeight: h must be an integer in [0, N = ${N}], got ${String(h)}`);
  }
  checkSource(src, 'sampleTernaryHammingWeight');
  const reader = new RandomReader(src);
  const out = new Int8Array(N);
  if (h === 0) return out;
  const positions = new Int32Array(N);
  for (let i = 0; i < N; i++) positions[i] = i;
  for (let i = 0; i < h; i++) {
    const j = i + reader.uint32Below(N - i); // uniform in [i, N − 1]
    const chosen = positions[j]!;
    positions[j] = positions[i]!;
    positions[i] = chosen;
    out[chosen] = (reader.byte() & 1) === 0 ? 1 : -1;
  }
  return out;
}

/** Clipping bound of the scheme's error distribution in standard deviations (SEAL and the HE standard: 6σ). */
export const ERROR_BOUND_SIGMAS = 6;

/**
 * N error coefficients from the rounded, clipped continuous Gaussian.
 *
 * Exact distribution: each coefficient is e = round(x) (nearest integer, ties away from zero), where x follows
 * the continuous normal N(0, σ²) conditioned on |x| ≤ bound and |round(x)| ≤ bound. So |e| ≤ floor(bound), and
 * P(e = k) ∝ ∫ φ_σ over the points of [k − 1/2, k + 1/2] that satisfy the conditions (φ_σ the normal density).
 * Samples are independent. This is the "rounded Gaussian" of SEAL / the HE standard, not a discrete Gaussian;
 * its variance is ≈ σ² + 1/12. Normals come from Box–Muller on 53-bit uniform doubles (u₁ ∈ (0, 1], so
 * |x| < 8.6σ before clipping); both normals of each pair are used.
 * With a seeded source the output is reproducible on one JavaScript engine; engines may differ in the last bit
 * of Math.log/cos/sin, which could very rarely change a rounded value — never seed anything that must be
 * reproduced across platforms from this sampler.
 *
 * @param N number of coefficients, an integer in [1, 2^24].
 * @param sigma standard deviation σ of the continuous normal (default 3.2), finite and > 0.
 * @param bound clipping bound (default `ERROR_BOUND_SIGMAS`·σ = 6σ), finite, with σ ≤ bound < 2^31 (so at least ~68 % of draws are kept).
 * @param src random source (default: the platform CSPRNG).
 */
export function sampleGaussian(N: number, sigma = 3.2, bound: number = ERROR_BOUND_SIGMAS * sigma, src: RandomSource = systemRandom): Int32Array {
  checkDegree(N, 'sampleGaussian');
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || !(sigma > 0)) {
    throw new RangeError(`sampleGaussian: sigma must be a finite positive number, got ${String(sigma)}`);
  }
  if (typeof bound !== 'number' || !Number.isFinite(bound) || !(bound >= sigma) || bound >= 2 ** 31) {
    throw new RangeError(`sampleGaussian: bound must be a finite number with sigma ≤ bound < 2^31, got ${String(bound)}`);
  }
  checkSource(src, 'sampleGaussian');
  const reader = new RandomReader(src);
  const out = new Int32Array(N);
  const twoPi = 2 * Math.PI;
  let i = 0;
  while (i < N) {
    // Box–Muller: two independent N(0, σ²) values from two uniforms, u1 ∈ (0, 1] so the logarithm is finite.
    const u1 = 1 - reader.float53();
    const u2 = reader.float53();
    const radius = sigma * Math.sqrt(-2 * Math.log(u1));
    const angle = twoPi * u2;
    const z0 = radius * Math.cos(angle);
    const z1 = radius * Math.sin(angle);
    const a0 = Math.abs(z0);
    if (a0 <= bound) {
      const r0 = Math.round(a0);
      if (r0 <= bound) out[i++] = z0 < 0 ? -r0 : r0;
    }
    if (i < N) {
      const a1 = Math.abs(z1);
      if (a1 <= bound) {
        const r1 = Math.round(a1);
        if (r1 <= bound) out[i++] = z1 < 0 ? -r1 : r1;
      }
    }
  }
  return out;
}

/** N coefficients of the scheme's error distribution: `sampleGaussian` with σ clipped at `ERROR_BOUND_SIGMAS`·σ. */
export function sampleError(N: number, sigma: number, src: RandomSource = systemRandom): Int32Array {
  return sampleGaussian(N, sigma, ERROR_BOUND_SIGMAS * sigma, src);
}

/**
 * Lifts a small signed polynomial to one RNS limb: out[j] = coeffs[j] mod q, i.e. c for c ≥ 0 and q + c for
 * c < 0. Requires |coeffs[j]| < q.
 *
 * @param coeffs signed coefficients (ternary Int8Array or error Int32Array).
 * @param q the limb's modulus, a bigint in [2, 2^64).
 * @param out destination of the same length.
 * @throws RangeError on a length mismatch or a coefficient with |c| ≥ q.
 */
export function smallToResidues(coeffs: Int8Array | Int32Array, q: bigint, out: BigUint64Array): void {
  if (!(coeffs instanceof Int8Array) && !(coeffs instanceof Int32Array)) {
    throw new TypeError('smallToResidues: coeffs must be an Int8Array or an Int32Array');
  }
  checkModulus(q, 'smallToResidues');
  if (!(out instanceof BigUint64Array)) throw new TypeError('smallToResidues: out must be a BigUint64Array');
  const n = coeffs.length;
  if (out.length !== n) throw new RangeError(`smallToResidues: out has length ${out.length}, coeffs ${n}`);
  let min = 0;
  let max = 0;
  for (let j = 0; j < n; j++) {
    const c = coeffs[j]!;
    if (c < min) min = c;
    if (c > max) max = c;
  }
  const maxAbs = Math.max(max, -min);
  if (BigInt(maxAbs) >= q) throw new RangeError(`smallToResidues: a coefficient of absolute value ${maxAbs} is not below q = ${q}`);
  if (max - min < SMALL_TABLE_LIMIT) {
    // Ternary and error polynomials take few distinct values: look the residues up (no per-coefficient branch).
    const table = new BigUint64Array(max - min + 1);
    for (let c = min; c <= max; c++) table[c - min] = c >= 0 ? BigInt(c) : q - BigInt(-c);
    for (let j = 0; j < n; j++) out[j] = table[coeffs[j]! - min]!;
    return;
  }
  // Wide range: q + c on 32-bit halves (|c| < 2^31 and |c| < q, so at most one borrow from the high half).
  const qHi = Number(q >> 32n);
  const qLo = Number(q & 0xffffffffn);
  const out32 = new Uint32Array(out.buffer, out.byteOffset, 2 * n);
  for (let j = 0; j < n; j++) {
    const c = coeffs[j]!;
    if (c >= 0) {
      out32[2 * j + LO] = c;
      out32[2 * j + HI] = 0;
    } else {
      const lo = qLo + c;
      if (lo >= 0) {
        out32[2 * j + LO] = lo;
        out32[2 * j + HI] = qHi;
      } else {
        out32[2 * j + LO] = lo + 0x100000000;
        out32[2 * j + HI] = qHi - 1;
      }
    }
  }
}
