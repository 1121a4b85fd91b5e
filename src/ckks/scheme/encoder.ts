/**
 * CKKS encoder (Cheon–Kim–Kim–Song 2017, §3.2–3.3): complex or real vectors of n slots (n a power of two,
 * n ≤ N/2) ↔ polynomials round(Δ · τ^{-1}(z)) in Z_Q[X]/(X^N + 1).
 *
 * Sparse packing: with n < N/2 slots the message lives in the subring Z[Y]/(Y^{2n} + 1), Y = X^{N/2n}, so the
 * coefficients of the 2n-term polynomial are spread with gap N/2n. Rotations by Y → Y^5 act on it exactly as
 * X → X^5 does, so the same Galois keys serve every slot count.
 *
 * Precision: encoding rounds each coefficient to an integer (error ≤ 1/2 per coefficient), so each decoded
 * slot is off by at most n/Δ in the worst case and about √n/(2Δ) typically (the embedding has norm ≤ 2n
 * per coefficient vector); plus float64 rounding of the FFT (≈ 2^-52 · log n relative). Tests state and
 * check the bound ‖decode(encode(z)) − z‖_∞ ≤ n/Δ + 2^-40·max|z|.
 */
import { CkksError } from '../errors.js';
import { RnsPoly, releasePoly } from '../ring/rnsPoly.js';
import { nttInverse } from '../ring/ntt.js';
import { mulScalarShoup, reduceBarrett } from '../ring/modularKernels.js';
import { acceleratorOf } from '../ring/accelerator.js';
import { encodeLimbsSplit, jobFor } from '../parallel/schemeJobs.js';
import { mixedRadixToFloat } from './mixedRadix.js';
import type { RnsBasis } from '../ring/rnsBasis.js';
import type { CkksContext } from './context.js';
import { Plaintext } from './plaintext.js';
import { checkContext } from './checks.js';

/** Complex vector as separate real and imaginary parts. */
export interface ComplexVector {
  re: ArrayLike<number>;
  im: ArrayLike<number>;
}

/** A plaintext operand kept as its message polynomial's real coefficients (`Encoder.prepareOperand`). */
export interface PreparedOperand {
  /** The 2n coefficients c_k before scaling (placed at X^{k·N/2n}). */
  readonly coefficients: Float64Array;
  readonly level: number;
  readonly scale: number;
  /** Over Q_ℓ ∪ P (true) or Q_ℓ. */
  readonly extended: boolean;
}

export interface EncodeOptions {
  /** Level to encode at (default: the top level L). */
  level?: number;
  /** Scale Δ (default: the parameters' default scale). */
  scale?: number;
  /** Number of slots (default N/2; a power of two ≥ the vector length for sparse packing). */
  slots?: number;
}

const TWO_POW_32 = 2 ** 32;
const TWO_POW_64 = 2 ** 64;
/** Typed arrays use the platform's byte order; the 32-bit split below assumes little-endian (all JS engines in practice). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class Encoder {
  readonly context: CkksContext;

  constructor(context: CkksContext) {
    this.context = context;
  }

  /**
   * Encodes a real vector (imaginary parts 0) or a complex vector. Missing slots are zero. With `out` (a plaintext
   * of this context at the level and slot count of the encoding) the result is written there (LEVEL_MISMATCH /
   * INCOMPATIBLE_PARAMETERS otherwise) and, with a thread pool, allocates no fresh shared memory once warm.
   */
  encode(values: ArrayLike<number> | ComplexVector, options: EncodeOptions = {}, out?: Plaintext): Plaintext {
    const { coefficients, level, scale, slots } = this.toCoefficients(values, options);
    if (out !== undefined) {
      if (!(out instanceof Plaintext)) throw new TypeError('encode: out must be a Plaintext');
      checkContext(this.context, out, 'encode (out)');
      if (out.level !== level) throw new CkksError('LEVEL_MISMATCH', `encode: out is at level ${out.level}, the encoding at level ${level}`);
      if (out.slots !== slots) throw new CkksError('INCOMPATIBLE_PARAMETERS', `encode: out has ${out.slots} slots, the encoding ${slots}`);
    }
    const basis = this.context.levelBasis(level);
    const poly = this.coefficientsToPoly(coefficients, scale, basis, basis).toEvaluation();
    if (out === undefined) return new Plaintext(this.context, poly, scale, slots);
    // written into `out`; with a thread pool this encoding's own memory goes back to the recycler (docs/threads.md)
    out.poly.copyFrom(poly);
    releasePoly(poly);
    out.scale = scale;
    return out;
  }

  /**
   * The same integer polynomial as `encode(values, options)`, reduced modulo Q_ℓ ∪ P instead of Q_ℓ
   * (evaluation form): a plaintext operand for products computed in the extended basis before ModDown
   * (double-hoisted linear transforms). The size check is the one of level ℓ.
   */
  encodeExtended(values: ArrayLike<number> | ComplexVector, options: EncodeOptions = {}): RnsPoly {
    const { coefficients, level, scale } = this.toCoefficients(values, options);
    const poly = this.coefficientsToPoly(coefficients, scale, this.context.levelBasisQP(level), this.context.levelBasis(level));
    return poly.toEvaluation();
  }

  /**
   * A plaintext operand for the Montgomery product kernels (linear transforms' diagonals): the polynomial of
   * `encode(values, options)` — over Q_ℓ, or over Q_ℓ ∪ P with `extended` as `encodeExtended` — in evaluation form,
   * every residue multiplied by 2^64 (Montgomery form, keys.ts `toMontgomeryForm`). With a thread pool the per-limb
   * work (reduction, signs, NTT, Montgomery factor) runs as one unit per limb (bit-identical to one thread).
   */
  encodeOperand(values: ArrayLike<number> | ComplexVector, options: EncodeOptions & { readonly extended: boolean }): RnsPoly {
    return this.materializeOperand(this.prepareOperand(values, options));
  }

  /**
   * The first half of `encodeOperand`: the checked options and the 2n real coefficients of the message polynomial
   * (before scaling and rounding) — 2n doubles instead of (ℓ + 1 [+ |P|])·N words, for transforms that keep their
   * diagonals compact and encode each one when it is used (`materializeOperand`, same words as `encodeOperand`).
   */
  prepareOperand(values: ArrayLike<number> | ComplexVector, options: EncodeOptions & { readonly extended: boolean }): PreparedOperand {
    if (typeof options.extended !== 'boolean') throw new TypeError('prepareOperand: options.extended must be a boolean');
    const { coefficients, level, scale } = this.toCoefficients(values, options);
    return Object.freeze({ coefficients, level, scale, extended: options.extended });
  }

  /** The operand `prepareOperand` describes, encoded (evaluation + Montgomery form; with a pool, one unit per limb). */
  materializeOperand(prepared: PreparedOperand): RnsPoly {
    const { coefficients, level, scale } = prepared;
    const sizeBasis = this.context.levelBasis(level);
    const basis = prepared.extended ? this.context.levelBasisQP(level) : sizeBasis;
    const rounded = this.roundCoefficients(coefficients, scale, basis.ringDegree, sizeBasis);
    const job = rounded.huge === undefined ? jobFor(this.context, basis.size) : undefined;
    if (job !== undefined) {
      const split = encodeLimbsSplit(job, this.context, basis, rounded.magnitudes, rounded.negative);
      releaseRounded(rounded, sizeBasis);
      split.montgomery = true; // the units' last step is the Montgomery factor (schemeJobs.ts)
      return split;
    }
    const poly = this.residues(rounded, basis).toEvaluation();
    releaseRounded(rounded, sizeBasis);
    for (let l = 0; l < poly.limbCount; l++) {
      const m = basis.moduli[l]!;
      mulScalarShoup(poly.limb(l), m.rModQ, m.rModQShoup, poly.limb(l), m.value);
    }
    poly.montgomery = true;
    return poly;
  }

  /** Validates the options and maps the slot values to the (real) coefficients of the message polynomial. */
  private toCoefficients(values: ArrayLike<number> | ComplexVector, options: EncodeOptions): { coefficients: Float64Array; level: number; scale: number; slots: number } {
    const ctx = this.context;
    const level = options.level ?? ctx.maxLevel;
    ctx.checkLevel(level);
    const scale = options.scale ?? ctx.params.defaultScale;
    if (!(scale >= 1 && Number.isFinite(scale))) throw new RangeError(`scale must be a finite number ≥ 1, got ${scale}`);
    const slots = options.slots ?? ctx.params.maxSlots;
    const embedding = ctx.embedding(slots);
    const { re, im } = toComplex(values);
    if (re.length > slots) throw new RangeError(`${re.length} values do not fit in ${slots} slots`);
    const zr = new Float64Array(slots);
    const zi = new Float64Array(slots);
    for (let j = 0; j < re.length; j++) {
      const a = re[j]!;
      const b = im === undefined ? 0 : im[j]!;
      if (!Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError(`slot ${j} is not a finite number`);
      zr[j] = a;
      zi[j] = b;
    }
    const coefficients = new Float64Array(2 * slots);
    embedding.slotsToCoefficients(zr, zi, coefficients);
    return { coefficients, level, scale, slots };
  }

  /** Decodes to complex slots (copies; the plaintext is unchanged). */
  decode(pt: Plaintext): { re: Float64Array; im: Float64Array } {
    const slots = pt.slots;
    const N = this.context.ringDegree;
    const gap = N / (2 * slots);
    const basis = pt.poly.basis;
    // Gather the 2n coefficients that carry the message (stride gap) from every limb, in coefficient form.
    const residues: BigUint64Array[] = [];
    const limb = new BigUint64Array(N);
    for (let l = 0; l < basis.size; l++) {
      limb.set(pt.poly.limb(l));
      if (pt.poly.form === 'evaluation') nttInverse(limb, basis.tables[l]!);
      const gathered = new BigUint64Array(2 * slots);
      for (let k = 0; k < 2 * slots; k++) gathered[k] = limb[k * gap]!;
      residues.push(gathered);
    }
    const coefficients = new Float64Array(2 * slots);
    mixedRadixToFloat(basis, residues, pt.scale, coefficients);
    const re = new Float64Array(slots);
    const im = new Float64Array(slots);
    this.context.embedding(slots).coefficientsToSlots(coefficients, re, im);
    return { re, im };
  }

  /** Decodes and returns the real parts. */
  decodeReal(pt: Plaintext): Float64Array {
    return this.decode(pt).re;
  }

  /**
   * round(scale · c_k) placed at X^{k·gap}, reduced modulo every prime of `basis`; coefficient form. The
   * rounded values must fit the modulus of `sizeBasis` (DEPTH_EXHAUSTED otherwise).
   */
  private coefficientsToPoly(coefficients: Float64Array, scale: number, basis: RnsBasis, sizeBasis: RnsBasis): RnsPoly {
    const rounded = this.roundCoefficients(coefficients, scale, basis.ringDegree, sizeBasis);
    const poly = this.residues(rounded, basis);
    releaseRounded(rounded, sizeBasis);
    return poly;
  }

  /**
   * round(scale · c_k) placed at X^{k·gap}: magnitudes (as 64-bit words), an all-ones sign mask where negative, and
   * the rare values ≥ 2^64 as BigInts. DEPTH_EXHAUSTED when they do not fit the modulus of `sizeBasis`.
   */
  private roundCoefficients(coefficients: Float64Array, scale: number, N: number, sizeBasis: RnsBasis): Rounded {
    const count = coefficients.length;
    const gap = N / count;
    const logQ = sizeBasis.moduli.reduce((s, m) => s + Math.log2(Number(m.value)), 0);
    if (!LITTLE_ENDIAN) throw new Error('Encoder: big-endian platforms are not supported');
    // shared memory when the context has a pool: the split units read these directly
    const magnitudes = acceleratorOf(sizeBasis)?.allocate(N) ?? new BigUint64Array(N);
    const halves = new Uint32Array(magnitudes.buffer, magnitudes.byteOffset, 2 * N);
    const negative = acceleratorOf(sizeBasis)?.allocate(N) ?? new BigUint64Array(N); // all-ones where the coefficient is negative
    let huge: Map<number, bigint> | undefined;
    let maxAbs = 0;
    for (let k = 0; k < count; k++) {
      const x = Math.round(coefficients[k]! * scale);
      if (!Number.isFinite(x)) throw new RangeError('encoding overflowed float64: scale × value is too large');
      const ax = Math.abs(x);
      if (ax > maxAbs) maxAbs = ax;
      const index = k * gap;
      if (ax < TWO_POW_64) {
        // ax is an integer-valued double: split it into exact 32-bit halves (no BigInt allocation).
        const hi = Math.floor(ax / TWO_POW_32);
        halves[2 * index] = ax - hi * TWO_POW_32;
        halves[2 * index + 1] = hi;
      } else {
        huge ??= new Map();
        huge.set(index, BigInt(x));
      }
      if (x < 0) negative[index] = 0xffffffffffffffffn;
    }
    if (maxAbs > 0 && Math.log2(maxAbs) + 1 >= logQ) {
      throw new CkksError('DEPTH_EXHAUSTED', `scaled message needs ${Math.ceil(Math.log2(maxAbs)) + 1} bits but the level's modulus has ${logQ.toFixed(1)}: lower the scale or encode at a higher level`);
    }
    return { magnitudes, negative, huge };
  }

  /** The rounded coefficients reduced modulo every prime of `basis` (coefficient form). */
  private residues(rounded: Rounded, basis: RnsBasis): RnsPoly {
    const { magnitudes, negative, huge } = rounded;
    const poly = new RnsPoly(basis, 'coefficient');
    for (let l = 0; l < basis.size; l++) {
      const m = basis.moduli[l]!;
      const limb = poly.limb(l);
      reduceBarrett(magnitudes, limb, m.value, m.barrett);
      applySigns(limb, negative, m.value);
      if (huge !== undefined) {
        for (const [index, v] of huge) limb[index] = ((v % m.value) + m.value) % m.value;
      }
    }
    return poly;
  }
}

interface Rounded {
  readonly magnitudes: BigUint64Array;
  readonly negative: BigUint64Array;
  readonly huge: Map<number, bigint> | undefined;
}

/** The rounded words' shared memory back to a thread pool's recycler once the residues are made (no-op without). */
function releaseRounded(rounded: Rounded, sizeBasis: RnsBasis): void {
  const accelerator = acceleratorOf(sizeBasis);
  accelerator?.release?.(rounded.magnitudes);
  accelerator?.release?.(rounded.negative);
}

/** limb[i] ← −limb[i] mod q where negative[i] is all-ones (branch-free select). */
export function applySigns(limb: BigUint64Array, negative: BigUint64Array, modulus: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const n = limb.length;
  for (let i = 0; i < n; i++) {
    const x = limb[i]!;
    const mask = negative[i]!;
    const r = BigInt.asIntN(64, 0n - x);
    const neg = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
    // select without BigInt NOT (not lowered by V8): x ^ (mask & (x ^ neg))
    limb[i] = BigInt.asUintN(64, x ^ BigInt.asUintN(64, mask & BigInt.asUintN(64, x ^ neg)));
  }
}

function toComplex(values: ArrayLike<number> | ComplexVector): { re: ArrayLike<number>; im: ArrayLike<number> | undefined } {
  if (typeof values !== 'object' || values === null) throw new TypeError('encode: expected an array of numbers or { re, im }');
  if ('re' in values && 'im' in values) {
    const c = values as ComplexVector;
    if (c.re.length !== c.im.length) throw new RangeError('encode: re and im have different lengths');
    return { re: c.re, im: c.im };
  }
  if (typeof (values as ArrayLike<number>).length !== 'number') throw new TypeError('encode: expected an array of numbers or { re, im }');
  return { re: values as ArrayLike<number>, im: undefined };
}

/** Warm-up at module load so V8 lowers `applySigns` to int64 (see modularKernels.ts). */
function warmUp(): void {
  const limb = new BigUint64Array(8).map((_, i) => BigInt(i));
  const negative = new BigUint64Array(8).map((_, i) => (i % 2 === 0 ? 0n : 0xffffffffffffffffn));
  for (let k = 0; k < 32; k++) applySigns(limb, negative, 97n);
}
warmUp();
