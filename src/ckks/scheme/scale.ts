/**
 * The one place where scales are compared. Scales are float64 numbers (a ciphertext holds round(Δ·m), Δ its
 * scale), and the rule is:
 *
 *  1. **Arithmetic is exact.** The operands of one addition or subtraction (and the terms of an accumulation) must
 *     carry the identical number: `checkSameScale` compares with `!==`, and a difference of one ulp is
 *     SCALE_MISMATCH. The library guarantees equality by construction — a product's scale is the product of its
 *     operands' scales, a rescale divides by the same prime, constants and plaintexts are encoded at the scale
 *     asked for — so an inexact match means that two operands were prepared along different paths, which the caller
 *     must fix (encode at the other's scale, `setScale`), not the evaluator paper over.
 *
 *  2. **A tolerance only where a circuit declares a planned scale.** Circuits plan their scales ahead (the
 *     polynomial evaluator's prescriptions, EvalMod's double angles, bootstrapping's DFT stages, a network layer's
 *     output scale) and compute them in float64: s·(S/s), (S·q)/q or √(S·q)² need not round back to S. `pinScale`
 *     relabels such a result with the planned S when the two agree to a relative `SCALE_RELATIVE_TOLERANCE`, and
 *     refuses (SCALE_MISMATCH) otherwise. Nothing else uses the tolerance.
 *
 * Why 2^-40: each float64 product or quotient is off by at most 2^-53 relative, so the bookkeeping of a planned
 * scale (a handful of products and quotients of primes) lands within a few ulps, ≈ 2^-52 … 2^-50 relative. A
 * difference of 2^-40 — 2^10 times that — is not rounding but a planning bug (a wrong prime, a missing factor).
 * Accepting it is also harmless: the declared scale then differs from the true one by < 2^-40 relative, an error
 * of < 2^-40·|m| in the message, far below the rescaling noise (≈ 2^-35 at Δ = 2^45).
 *
 * Relative difference here is |a − b| / max(a, b): symmetric, and for positive a, b within a factor 2 both the
 * subtraction (Sterbenz) and the product with the power of two 2^-40 are exact, so the boundary is sharp.
 *
 * Other assignments of a scale are deliberate reinterpretations, not tolerances: `setScale` declares its target
 * (the true scale differs by ≤ 2^-41, arithmetic.ts), ModRaise re-reads the raised ciphertext at the EvalMod
 * scale (bootstrapper.ts), an exact encryption of zero may take any scale (polynomialEvaluator.ts), and
 * conj(v) + v is declared at twice the scale to hold Re(v) (encryptedMatch.ts).
 */
import { CkksError } from '../errors.js';

/** Largest relative difference |a − b|/max(a, b) (exclusive) for which a planned scale may be pinned (see above). */
export const SCALE_RELATIVE_TOLERANCE = 2 ** -40;

/** Throws RangeError unless `scale` is a positive finite number. */
export function checkScaleValue(scale: number, what: string): void {
  if (!(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
    throw new RangeError(`${what}: a scale must be a positive finite number, got ${String(scale)}`);
  }
}

/** |a − b| / max(a, b) for positive finite scales (RangeError otherwise); symmetric in a and b. */
export function scaleRelativeDifference(a: number, b: number): number {
  checkScaleValue(a, 'scaleRelativeDifference');
  checkScaleValue(b, 'scaleRelativeDifference');
  return Math.abs(a - b) / Math.max(a, b);
}

/**
 * True when two positive finite scales agree to within `SCALE_RELATIVE_TOLERANCE` (|a − b| < 2^-40·max(a, b),
 * evaluated exactly for a, b within a factor 2); RangeError for a non-positive or non-finite scale. Only for
 * declaring a planned scale (`pinScale`); operands of arithmetic are compared exactly (`checkSameScale`).
 */
export function scalesAgree(a: number, b: number): boolean {
  checkScaleValue(a, 'scalesAgree');
  checkScaleValue(b, 'scalesAgree');
  return Math.abs(a - b) < SCALE_RELATIVE_TOLERANCE * Math.max(a, b);
}

/**
 * Declares `ct` to have exactly the planned `scale` after an operation whose float64 bookkeeping gave a value
 * within a few ulps of it (x·(S/x) or (S·q)/q need not round back to S); returns `ct`, relabelled in place.
 * SCALE_MISMATCH when the two do not agree (`scalesAgree`): that is a planning bug, not rounding. RangeError for a
 * non-positive or non-finite scale.
 */
export function pinScale<T extends { scale: number }>(ct: T, scale: number, what = 'internal'): T {
  if (!scalesAgree(ct.scale, scale)) {
    throw new CkksError('SCALE_MISMATCH', `${what}: scale 2^${Math.log2(ct.scale).toFixed(6)} where 2^${Math.log2(scale).toFixed(6)} was planned (relative difference ${scaleRelativeDifference(ct.scale, scale).toExponential(2)} ≥ 2^-40)`);
  }
  ct.scale = scale;
  return ct;
}

/**
 * The check of every addition-like operation: the operands' scales must be the identical number (no tolerance;
 * see the rule above). SCALE_MISMATCH otherwise.
 */
export function checkSameScale(a: { readonly scale: number }, b: { readonly scale: number }, what: string): void {
  if (a.scale !== b.scale) {
    throw new CkksError('SCALE_MISMATCH', `${what}: operand scales differ (${a.scale} ≈ 2^${Math.log2(a.scale).toFixed(6)} vs ${b.scale} ≈ 2^${Math.log2(b.scale).toFixed(6)}); encode at the other's scale or use setScale`);
  }
}
