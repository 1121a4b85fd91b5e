/**
 * The metadata checks every homomorphic operation makes before touching data: same parameter set, same
 * level, same scale (exactly — scales are tracked, never silently reconciled; the rule is in scale.ts), same slot
 * count.
 */
import { CkksError } from '../errors.js';
import type { CkksContext } from './context.js';
import { Ciphertext, type ExtendedCiphertext, type HalfExtendedCiphertext, type Plaintext } from './plaintext.js';

type Operand = Ciphertext | Plaintext | ExtendedCiphertext | HalfExtendedCiphertext;

export function checkContext(ctx: CkksContext, x: Operand, what: string): void {
  ctx.assertSameParameters(x.context, what);
}

/** The degree, level and slot count an operation's result has (and so its `out` argument must have). */
export interface OutputShape {
  readonly degree: number;
  readonly level: number;
  readonly slots: number;
}

/**
 * The one check of a caller-supplied output ciphertext (every `out` parameter of the evaluator): a `Ciphertext` of
 * this parameter set (INCOMPATIBLE_PARAMETERS otherwise) with exactly the result's degree, level and slot count,
 * every part over that level's basis (RangeError otherwise), and no part shared with the operands listed in
 * `noAlias` (RangeError; for operations that read an operand after writing part of the output).
 */
export function checkOutput(ctx: CkksContext, out: Ciphertext, shape: OutputShape, what: string, noAlias: readonly Ciphertext[] = []): void {
  if (!(out instanceof Ciphertext)) throw new TypeError(`${what}: the output must be a Ciphertext`);
  ctx.assertSameParameters(out.context, `${what} (output)`);
  const basis = ctx.levelBasis(shape.level);
  if (out.degree !== shape.degree || out.slots !== shape.slots || out.parts.some((p) => !p.basis.equals(basis))) {
    throw new RangeError(`${what}: the output must be a degree-${shape.degree} ciphertext at level ${shape.level} with ${shape.slots} slots, got degree ${out.degree} at level ${out.level} with ${out.slots} slots`);
  }
  for (const x of noAlias) {
    if (out === x || out.parts.some((p) => x.parts.includes(p))) throw new RangeError(`${what}: the output must not alias an operand`);
  }
}

export function checkSameLevel(a: Operand, b: Operand, what: string): void {
  if (a.level !== b.level) {
    throw new CkksError('LEVEL_MISMATCH', `${what}: operands are at levels ${a.level} and ${b.level}; drop the higher one first (dropLevels)`);
  }
}

/** Exact scale equality for addition-like operations; defined with the rest of the scale rule in scale.ts. */
export { checkSameScale } from './scale.js';

export function checkSameSlots(a: Operand, b: Operand, what: string): void {
  if (a.slots !== b.slots) {
    throw new CkksError('INCOMPATIBLE_PARAMETERS', `${what}: operands pack ${a.slots} and ${b.slots} slots`);
  }
}

/** log2(q_0·…·q_ℓ) of the level of `a`. */
function logModulus(a: { readonly context: CkksContext; readonly level: number }): number {
  let bits = 0;
  for (const m of a.context.levelBasis(a.level).moduli) bits += Math.log2(Number(m.value));
  return bits;
}

/**
 * Throws DEPTH_EXHAUSTED when a result at `a`'s level with scale `scale` could not hold even a message of
 * magnitude 1 (`magnitude` for a known constant): round(scale·m) needs log2(scale·m) + 1 bits with its sign,
 * and must stay below q_0·…·q_ℓ. The encoder refuses the same case for its actual values.
 */
export function checkFitsModulus(a: { readonly context: CkksContext; readonly level: number }, scale: number, what: string, magnitude = 1): void {
  const logQ = logModulus(a);
  const needed = Math.log2(scale * Math.max(magnitude, 1)) + 1;
  if (!(needed < logQ)) {
    throw new CkksError('DEPTH_EXHAUSTED', `${what}: the result needs ${needed.toFixed(1)} bits (scale 2^${Math.log2(scale).toFixed(1)}${magnitude > 1 ? ` × |constant| ${magnitude}` : ''}) but level ${a.level}'s modulus has ${logQ.toFixed(1)}: rescale first, use a smaller scale, or start at a higher level`);
  }
}

/**
 * The smallest scale a rescale may leave, 2^(log2 N + 8): below it the rounding of the rescale itself (an error
 * of about N/4 in the slots, r_0 + r_1·s with r_i uniform in [−1/2, 1/2]) leaves fewer than about 8 bits of
 * precision. Chains whose primes differ from the scale drift away from it at every rescale (Δ²/q_ℓ); the
 * refusal points at the fix instead of returning noise.
 */
export function minimumScale(ctx: CkksContext): number {
  return 2 ** (ctx.params.logN + 8);
}

/** Throws SCALE_OUT_OF_RANGE when a rescale or setScale would leave a scale below `minimumScale`. */
export function checkRescaledScale(ctx: CkksContext, scale: number, what: string): void {
  if (!(scale >= minimumScale(ctx))) {
    throw new CkksError('SCALE_OUT_OF_RANGE', `${what}: the result's scale would be 2^${Math.log2(scale).toFixed(1)}, below the minimum 2^${Math.log2(minimumScale(ctx))} (the rescale's own rounding would leave under ~8 bits of precision); on a chain whose primes differ from the scale, multiply by constants encoded at q_ℓ or setScale before the product`);
  }
}

/** Throws DEPTH_EXHAUSTED when a ciphertext at level 0 would need to be rescaled. */
export function checkCanRescale(a: Operand, what: string): void {
  if (a.level < 1) throw new CkksError('DEPTH_EXHAUSTED', `${what}: the operand is at level 0, no prime is left to rescale by (bootstrap first)`);
}
