/**
 * Encrypted normalisation of the fused CryptoFaceNet feature (CryptoFace reference §2.6, §5.13): ŷ = y·p(‖y‖²) with
 * the model's quadratic p(s) = a·s² + b·s + c ≈ 1/√s — the twin of `normalizePoly` (../normalize.ts) — in 4 levels
 * and 3 + log2(period) key switches, with every scale chosen so that no level is spent on scale management:
 *
 *   level ℓ      y (scale S_y): y_j at slot j + k·period for every k (k < slots/period), anything in the other slots
 *   level ℓ − 1  y1 = y ⊙ (α·mask_all),  y2 = y ⊙ mask_first          (plaintext products; α = |a|^{1/4})
 *   level ℓ − 2  u = Σ_{window of period} y1²  = √|a|·s in every slot  (square, relinearise, rotate-and-add)
 *   level ℓ − 3  p = (sign(a)·u + b/√|a|)·u + c = a·s² + b·s + c        (one product; constants at the operands' scales)
 *   level ℓ − 4  ŷ = y2·p                                               (one product)
 *
 * mask_all keeps slots j mod period < dim (all replicas), so junk in the other slots never reaches ‖y‖²; mask_first
 * keeps slots 0 … dim − 1 only, so ŷ is one copy of the normalised feature: templates can then be packed into a
 * gallery by rotations alone (encryptedMatch.ts). Folding α = |a|^{1/4} into the first mask turns the leading
 * coefficient of p into ±1 (no constant product, no level), which is why p costs one level instead of two.
 *
 * Scales, chosen back from the output: S_p = q_{ℓ−3} (so ŷ keeps y2's scale), S_u = √(S_p·q_{ℓ−2}),
 * S_1 = √(S_u·q_{ℓ−1}), S_2 = the requested output scale; the two masks are encoded at S_1·q_ℓ/S_y and S_2·q_ℓ/S_y.
 */
import { CkksError } from '../../ckks/errors.js';
import type { CkksContext } from '../../ckks/scheme/context.js';
import type { Encoder } from '../../ckks/scheme/encoder.js';
import type { Evaluator } from '../../ckks/scheme/evaluator.js';
import type { Ciphertext, Plaintext } from '../../ckks/scheme/plaintext.js';
import type { NormPolynomial } from '../weights.js';

/** Where y sits in its ciphertext. */
export interface FeatureLayout {
  /** Slots per ciphertext (a power of two). */
  readonly slots: number;
  /** Feature dimension D (a power of two; 256 for CryptoFaceNet). */
  readonly dim: number;
  /** y_j is at slot j + k·period for every k < slots/period (period a power of two, dim ≤ period ≤ slots). */
  readonly period: number;
  /** Level and scale of the incoming y. */
  readonly level: number;
  readonly scale: number;
}

/**
 * Level and exact scale of ŷ as `EncryptedNormalizer` produces it for a target `outputScale` (the scales the
 * evaluator computes, same operations in the same order), and the intermediate scales it plans: what a template
 * must have to be matched against normalised probes (FaceClient.encryptTemplate).
 */
export function normalizedFeatureFormat(context: CkksContext, layout: FeatureLayout, outputScale: number): { level: number; scale: number; scales: { y1: number; u: number; p: number } } {
  const l = layout.level;
  if (l < NORMALIZE_LEVELS) throw new CkksError('DEPTH_EXHAUSTED', `normalisation: needs ${NORMALIZE_LEVELS} levels, y is at level ${l}`);
  const q = context.params.Q.map(Number);
  const sP = q[l - 3]!;
  const sU = Math.sqrt(sP * q[l - 2]!);
  const s1 = Math.sqrt(sU * q[l - 1]!);
  const scaleAll = (s1 * q[l]!) / layout.scale;
  const scaleFirst = (outputScale * q[l]!) / layout.scale;
  const y1Scale = (layout.scale * scaleAll) / q[l]!;
  const uScale = (y1Scale * y1Scale) / q[l - 1]!;
  const pScale = (uScale * uScale) / q[l - 2]!;
  return { level: l - NORMALIZE_LEVELS, scale: (((layout.scale * scaleFirst) / q[l]!) * pScale) / q[l - 3]!, scales: { y1: s1, u: sU, p: sP } };
}

/** The fused feature of the encrypted CryptoFaceNet at N = 2^16 (docs/encrypted-network.md §3): period 512. */
export function cfnetFeatureLayout(slots: number, level: number, scale: number, dim = 256): FeatureLayout {
  return { slots, dim, period: Math.min(slots, 2 * dim), level, scale };
}

function isPow2(x: number): boolean {
  return Number.isInteger(x) && x >= 1 && (x & (x - 1)) === 0;
}

export function checkFeatureLayout(l: FeatureLayout, ctx: CkksContext): void {
  if (!isPow2(l.slots) || l.slots > ctx.params.maxSlots) throw new RangeError(`feature layout: slots must be a power of two ≤ ${ctx.params.maxSlots}, got ${l.slots}`);
  if (!isPow2(l.dim) || !isPow2(l.period) || l.dim > l.period || l.period > l.slots) throw new RangeError(`feature layout: need powers of two dim ≤ period ≤ slots, got ${l.dim}, ${l.period}, ${l.slots}`);
  ctx.checkLevel(l.level);
  if (!(Number.isFinite(l.scale) && l.scale >= 1)) throw new RangeError(`feature layout: scale must be finite and ≥ 1, got ${l.scale}`);
}

/** Levels the normalisation uses. */
export const NORMALIZE_LEVELS = 4;

export class EncryptedNormalizer {
  /** Level and scale of ŷ. */
  readonly outputLevel: number;
  readonly outputScale: number;
  /** Scales the plan targets for y1 and u (for the docs and tests). */
  readonly scales: { readonly y1: number; readonly u: number; readonly p: number };
  private readonly maskAll: Plaintext;
  private readonly maskFirst: Plaintext;
  private readonly sign: 1 | -1;
  private readonly bPrime: number;
  private readonly c: number;

  /**
   * `outputScale`: the scale ŷ should have (the matcher picks it); `poly`: the model's p (weights manifest).
   */
  constructor(readonly context: CkksContext, encoder: Encoder, readonly poly: Pick<NormPolynomial, 'a' | 'b' | 'c'>, readonly layout: FeatureLayout, outputScale: number) {
    checkFeatureLayout(layout, context);
    for (const k of ['a', 'b', 'c'] as const) if (!Number.isFinite(poly[k])) throw new RangeError(`normalisation polynomial: ${k} must be finite`);
    if (poly.a === 0) throw new RangeError('normalisation polynomial: a = 0 is not supported (a linear p needs no square)');
    if (!(Number.isFinite(outputScale) && outputScale > 1)) throw new RangeError(`outputScale must be finite and > 1, got ${outputScale}`);
    const l = layout.level;
    if (l < NORMALIZE_LEVELS) throw new CkksError('DEPTH_EXHAUSTED', `normalisation: needs ${NORMALIZE_LEVELS} levels, y is at level ${l}`);
    const q = context.params.Q.map(Number);
    const f = normalizedFeatureFormat(context, layout, outputScale);
    this.scales = f.scales;
    this.outputLevel = f.level;
    this.outputScale = f.scale;
    const s1 = f.scales.y1;
    const scaleAll = (s1 * q[l]!) / layout.scale;
    const scaleFirst = (outputScale * q[l]!) / layout.scale;
    const alpha = Math.abs(poly.a) ** 0.25;
    this.sign = poly.a > 0 ? 1 : -1;
    this.bPrime = poly.b / Math.sqrt(Math.abs(poly.a));
    this.c = poly.c;
    const all = new Float64Array(layout.slots);
    const first = new Float64Array(layout.slots);
    for (let j = 0; j < layout.slots; j++) {
      if (j % layout.period < layout.dim) all[j] = alpha;
      if (j < layout.dim) first[j] = 1;
    }
    this.maskAll = encoder.encode(all, { level: l, scale: scaleAll, slots: layout.slots });
    this.maskFirst = encoder.encode(first, { level: l, scale: scaleFirst, slots: layout.slots });
  }

  /** Rotation steps (left, in [0, slots)): the window sum of ‖y‖² over one period. */
  rotationSteps(): number[] {
    const steps: number[] = [];
    for (let s = 1; s < this.layout.period; s *= 2) steps.push(s);
    return steps;
  }

  /** Each step's level (for levelled Galois keys). */
  rotationKeyLevels(): Map<number, number> {
    return new Map(this.rotationSteps().map((s) => [s, this.layout.level - 2]));
  }

  /** Levels at which the relinearisation key is used: ℓ − 1 … ℓ − 3 (the highest is what a levelled key needs). */
  get relinearizationLevel(): number {
    return this.layout.level - 1;
  }

  /** Key switches of one normalisation: 3 relinearisations + log2(period) rotations. */
  get keySwitches(): number {
    return 3 + this.rotationSteps().length;
  }

  /** ŷ = y·p(‖y‖²), one copy in slots 0 … dim − 1 (zero elsewhere), at `outputLevel` with scale `outputScale`. */
  normalize(evaluator: Evaluator, y: Ciphertext): Ciphertext {
    const l = this.layout;
    if (y.slots !== l.slots) throw new CkksError('INCOMPATIBLE_PARAMETERS', `normalize: y packs ${y.slots} slots, the layout ${l.slots}`);
    if (y.scale !== l.scale) throw new CkksError('SCALE_MISMATCH', `normalize: y has scale 2^${Math.log2(y.scale).toFixed(3)}, the layout 2^${Math.log2(l.scale).toFixed(3)}`);
    if (y.level < l.level) throw new CkksError('LEVEL_MISMATCH', `normalize: y is at level ${y.level}, the layout needs ${l.level}`);
    const x = y.level > l.level ? evaluator.dropLevels(y, y.level - l.level) : y;
    const y1 = evaluator.rescale(evaluator.mulPlain(x, this.maskAll));
    const y2 = evaluator.rescale(evaluator.mulPlain(x, this.maskFirst));
    // u = √|a|·‖y‖² in every slot: square, then rotate-and-add over one period (log2(period) key switches)
    let u = evaluator.mulRelinRescale(y1, y1);
    for (const s of this.rotationSteps()) u = evaluator.add(u, evaluator.rotate(u, s));
    // p = (±u + b/√|a|)·u + c: ±u is a·s/√|a|, so the product is a·s² + b·s
    const h = evaluator.addConstant(this.sign === 1 ? u : evaluator.neg(u), this.bPrime);
    const p = evaluator.addConstant(evaluator.mulRelinRescale(h, u), this.c);
    return evaluator.mulRelinRescale(evaluator.dropLevels(y2, 2), p);
  }
}
