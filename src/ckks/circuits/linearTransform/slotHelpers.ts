/**
 * Small slot-manipulation circuits built on rotations and plaintext products: masking and replication.
 * (Rotate-and-sum over a power-of-two window is `Evaluator.innerSum`.)
 */
import type { Encoder } from '../../scheme/encoder.js';
import type { CircuitEvaluator } from '../../scheme/evaluatorInterface.js';
import type { Ciphertext } from '../../scheme/plaintext.js';

/**
 * Keeps the slots where `keep[i]` is non-zero (multiplied by that value), zeroes the others. The mask is encoded
 * at scale q_ℓ and the result rescaled, so the output scale equals the input scale; one level is used.
 */
export function mask(evaluator: CircuitEvaluator, encoder: Encoder, ct: Ciphertext, keep: ArrayLike<number>): Ciphertext {
  if (keep.length > ct.slots) throw new RangeError(`mask: ${keep.length} mask values for ${ct.slots} slots`);
  const q = Number(ct.context.params.Q[ct.level]!);
  const pt = encoder.encode(Float64Array.from(keep), { level: ct.level, scale: q, slots: ct.slots });
  return evaluator.rescale(evaluator.mulPlain(ct, pt));
}

/**
 * Replicates the first `length` slots `copies` times (copies a power of two, length·copies ≤ slots): slot
 * j + c·length receives slot j for c < copies. The other slots of the input must be zero. log2(copies) rotations
 * by −length·2^i (keys: those right rotations).
 */
export function replicate(evaluator: CircuitEvaluator, ct: Ciphertext, length: number, copies: number): Ciphertext {
  if (!Number.isInteger(copies) || copies < 1 || (copies & (copies - 1)) !== 0) throw new RangeError(`replicate: copies must be a power of two, got ${copies}`);
  if (!Number.isInteger(length) || length < 1 || length * copies > ct.slots) throw new RangeError('replicate: length·copies exceeds the slots');
  let acc = ct;
  for (let span = length; span < length * copies; span *= 2) acc = evaluator.add(acc, evaluator.rotate(acc, -span));
  return acc;
}
