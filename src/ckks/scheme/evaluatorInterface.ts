/**
 * The evaluator interface the circuits (polynomial evaluation, linear transforms, slot helpers, bootstrapping) are
 * written against, instead of the concrete `Evaluator` class: exactly the members they call, nothing else.
 *
 * Lattigo's circuits do the same: its polynomial evaluator and linear-transformation evaluator take small
 * scheme-agnostic interfaces (`EvaluatorForPolynomial`, `EvaluatorForLinearTransformation`) rather than the CKKS
 * evaluator type. Here it lets a circuit run on anything that provides these operations with `Evaluator`'s
 * contract — a wrapper that counts, traces or checks the calls (test/circuits/evaluatorInterface.test.ts), or a
 * future evaluator of another kind — and it lists what a circuit may rely on.
 *
 * Contract: the semantics, checks and typed errors of the `Evaluator` methods of the same names (see
 * evaluator.ts and docs/ckks.md), in particular levels and scales are checked, never reconciled, and `add`/`sub`
 * need exactly equal scales (scale.ts). `Evaluator` implements it.
 */
import type { Constant, MulConstantOptions } from './arithmetic.js';
import type { CkksContext } from './context.js';
import type { Ciphertext, ExtendedCiphertext, HalfExtendedCiphertext, Plaintext } from './plaintext.js';

export interface CircuitEvaluator {
  /** The parameter set every operand must belong to (its primes plan the circuits' levels and scales). */
  readonly context: CkksContext;

  // key-free arithmetic (arithmetic.ts)
  add(a: Ciphertext, b: Ciphertext | Plaintext, out?: Ciphertext): Ciphertext;
  sub(a: Ciphertext, b: Ciphertext | Plaintext, out?: Ciphertext): Ciphertext;
  /** A real/complex constant added to every slot, encoded at the ciphertext's scale. */
  addConstant(a: Ciphertext, c: Constant, out?: Ciphertext): Ciphertext;
  /** Every slot times a constant encoded at `options.constantScale` (default q_ℓ). */
  mulConstant(a: Ciphertext, c: Constant, options?: MulConstantOptions, out?: Ciphertext): Ciphertext;
  mulPlain(a: Ciphertext, pt: Plaintext, out?: Ciphertext): Ciphertext;
  /** Ciphertext product without relinearisation (degree 2). */
  mulNoRelin(a: Ciphertext, b: Ciphertext, out?: Ciphertext): Ciphertext;
  /** Divides by the last prime (one level). */
  rescale(a: Ciphertext, out?: Ciphertext): Ciphertext;
  /** Removes primes without dividing (scale unchanged). */
  dropLevels(a: Ciphertext, count: number, out?: Ciphertext): Ciphertext;

  // key switching
  /** Relinearise (degree 2 → 1) and rescale in one step (a degree-1 input is only rescaled). */
  relinearizeRescale(a: Ciphertext, out?: Ciphertext): Ciphertext;
  /** Left rotation of the slots by `steps` (negative: right), composed from available keys if needed. */
  rotate(a: Ciphertext, steps: number, out?: Ciphertext): Ciphertext;
  /** Many rotations of one ciphertext sharing one decomposition (exact keys only). */
  rotateHoisted(a: Ciphertext, steps: readonly number[]): Map<number, Ciphertext>;
  /** P·rot(a, s) for every step s, in the extended basis Q_ℓ ∪ P (double hoisting). */
  rotateHoistedExtended(a: Ciphertext, steps: readonly number[]): Map<number, ExtendedCiphertext>;
  /** rot(a, s) for every step s as (P·c_0 over Q_ℓ ∪ P, c_1 over Q_ℓ) (mixed hoisting). */
  rotateHoistedHalfExtended(a: Ciphertext, steps: readonly number[]): Map<number, HalfExtendedCiphertext>;
  /** acc += P·rot(x/P, steps), both in the extended basis. */
  rotateAccumulateExtended(x: ExtendedCiphertext, steps: number, acc: ExtendedCiphertext): void;
  /** The ciphertext over Q_ℓ an extended one stands for (divides by P); `x` is consumed. */
  modDownExtended(x: ExtendedCiphertext, out?: Ciphertext): Ciphertext;
  /** Σ_t rot(ciphertext_t, steps_t) with one division by P for the whole sum. */
  rotateSum(terms: readonly { ciphertext: Ciphertext | HalfExtendedCiphertext; steps: number }[], out?: Ciphertext): Ciphertext;
  /** rescale(rotateSum(terms)) with one division by q_ℓ·P. */
  rotateSumRescale(terms: readonly { ciphertext: Ciphertext | HalfExtendedCiphertext; steps: number }[], out?: Ciphertext): Ciphertext;
  /** Σ_t P·rot(x_t/P, steps_t) in the extended basis. */
  rotateSumExtended(terms: readonly { ciphertext: ExtendedCiphertext; steps: number }[]): ExtendedCiphertext;
  /** Complex conjugation of every slot. */
  conjugate(a: Ciphertext, out?: Ciphertext): Ciphertext;
  /** True when a Galois key for a left rotation by `steps` is available exactly (without composition). */
  hasRotationKey(steps: number): boolean;
}
