/**
 * The evaluator: one object per context and key set, the entry point for homomorphic computation.
 * Key-free arithmetic lives in `arithmetic.ts`, key switching in `keySwitch.ts`, rotations in
 * `rotations.ts`; this class binds them to a context and keys and checks that the keys exist.
 *
 * Levels and scales are tracked exactly on every ciphertext; a mismatch is a `CkksError`
 * (LEVEL_MISMATCH / SCALE_MISMATCH), never silently reconciled.
 *
 * Every method that returns one ciphertext takes an optional last argument `out`: a ciphertext of the result's
 * degree, level and slot count (checked by `checkOutput`) that receives the result and is returned. Optional
 * settings travel in an options object before it (`mulConstant(a, c, { constantScale }, out)`).
 */
import { CkksError } from '../errors.js';
import { releasePoly } from '../ring/rnsPoly.js';
import type { CkksContext } from './context.js';
import { GaloisKey, RelinearizationKey } from './keys.js';
import { KeySwitcher } from './keySwitch.js';
import { Ciphertext, type ExtendedCiphertext, type HalfExtendedCiphertext, type Plaintext } from './plaintext.js';
import { Rotator, checkGaloisKeyEntry } from './rotations.js';
import * as arithmetic from './arithmetic.js';
import { deliver, deliverFresh, type Constant, type MulConstantOptions } from './arithmetic.js';
import { checkCanRescale, checkContext, checkOutput, checkRescaledScale } from './checks.js';
import type { CircuitEvaluator } from './evaluatorInterface.js';

export interface EvaluationKeys {
  relinearizationKey?: RelinearizationKey;
  /** Galois keys by Galois element (as returned by KeyGenerator.galoisKeys). */
  galoisKeys?: ReadonlyMap<number, GaloisKey>;
}

/** The scheme's evaluator; the circuits depend only on the `CircuitEvaluator` part of it (evaluatorInterface.ts). */
export class Evaluator implements CircuitEvaluator {
  readonly context: CkksContext;
  private readonly relinKey: RelinearizationKey | undefined;
  private readonly switcher: KeySwitcher;
  private readonly rotator: Rotator;
  private scratch: BigUint64Array | undefined;

  constructor(context: CkksContext, keys: EvaluationKeys = {}) {
    this.context = context;
    this.relinKey = keys.relinearizationKey;
    if (this.relinKey !== undefined) {
      if (!(this.relinKey instanceof RelinearizationKey)) throw new TypeError('Evaluator: relinearizationKey must be a RelinearizationKey');
      context.assertSameParameters(this.relinKey.context, 'Evaluator');
    }
    const galois = keys.galoisKeys ?? new Map<number, GaloisKey>();
    if (!(galois instanceof Map)) throw new TypeError('Evaluator: galoisKeys must be a Map from Galois element to GaloisKey');
    for (const [element, k] of galois) {
      if (!(k instanceof GaloisKey)) throw new TypeError(`Evaluator: the entry for Galois element ${element} is not a GaloisKey`);
      context.assertSameParameters(k.context, 'Evaluator');
      checkGaloisKeyEntry(element, k, 'Evaluator');
    }
    this.switcher = new KeySwitcher(context);
    this.rotator = new Rotator(context, this.switcher, galois);
  }

  add(a: Ciphertext, b: Ciphertext | Plaintext, out?: Ciphertext): Ciphertext {
    return arithmetic.add(this.context, a, b, out);
  }

  sub(a: Ciphertext, b: Ciphertext | Plaintext, out?: Ciphertext): Ciphertext {
    return arithmetic.sub(this.context, a, b, out);
  }

  neg(a: Ciphertext, out?: Ciphertext): Ciphertext {
    return arithmetic.neg(this.context, a, out);
  }

  /** Adds a real/complex constant to every slot (encoded at the ciphertext's scale). */
  addConstant(a: Ciphertext, c: Constant, out?: Ciphertext): Ciphertext {
    return arithmetic.addConstant(this.context, a, c, out);
  }

  /** Multiplies every slot by a constant encoded at `options.constantScale` (default q_ℓ, so a rescale restores the scale). */
  mulConstant(a: Ciphertext, c: Constant, options: MulConstantOptions = {}, out?: Ciphertext): Ciphertext {
    return arithmetic.mulConstant(this.context, a, c, options, out);
  }

  mulPlain(a: Ciphertext, pt: Plaintext, out?: Ciphertext): Ciphertext {
    return arithmetic.mulPlain(this.context, a, pt, out);
  }

  /** Ciphertext product without relinearisation (degree 2). */
  mulNoRelin(a: Ciphertext, b: Ciphertext, out?: Ciphertext): Ciphertext {
    return arithmetic.mulNoRelin(this.context, a, b, out);
  }

  /** Ciphertext product followed by relinearisation (degree 1; scale = product of scales; rescale next). */
  mul(a: Ciphertext, b: Ciphertext, out?: Ciphertext): Ciphertext {
    const product = arithmetic.mulNoRelin(this.context, a, b);
    const result = this.relinearize(product, out);
    releasePoly(...product.parts); // the degree-2 temporary (the result never shares its memory)
    return result;
  }

  /** mul + relinearize + rescale, the last two fused (`relinearizeRescale`). */
  mulRelinRescale(a: Ciphertext, b: Ciphertext, out?: Ciphertext): Ciphertext {
    const product = arithmetic.mulNoRelin(this.context, a, b);
    const result = this.relinearizeRescale(product, out);
    releasePoly(...product.parts);
    return result;
  }

  /**
   * relinearize then rescale in one step: the key switch's division by P and the rescale's division by q_ℓ
   * are one division by q_ℓ·P (`KeySwitcher.modDownRescale`), saving ℓ + 1 NTTs per polynomial and one
   * rounding. Same result level (ℓ − 1) and scale (a.scale / q_ℓ) as the two calls.
   */
  relinearizeRescale(a: Ciphertext, out?: Ciphertext): Ciphertext {
    checkContext(this.context, a, 'relinearizeRescale');
    checkCanRescale(a, 'relinearizeRescale');
    if (a.degree === 1) return this.rescale(a, out);
    if (a.degree !== 2) throw new RangeError(`relinearizeRescale: degree ${a.degree} is not supported (multiply two degree-1 ciphertexts)`);
    if (this.relinKey === undefined) throw new CkksError('MISSING_KEY', 'relinearizeRescale: the evaluator has no relinearisation key');
    const qLast = Number(this.context.params.Q[a.level]!);
    checkRescaledScale(this.context, a.scale / qLast, 'relinearizeRescale');
    const parts = this.switcher.switchLiftRescale(a.parts[0]!, a.parts[1]!, a.parts[2]!, this.relinKey);
    const result = new Ciphertext(this.context, parts, a.scale / qLast, a.slots);
    return deliverFresh(this.context, result, out, 'relinearizeRescale');
  }

  /**
   * Degree 2 → 1 with the relinearisation key: (c_0, c_1) + KS_{s²→s}(c_2). With `out` (a degree-1 ciphertext at
   * the same level) the result is written there.
   */
  relinearize(a: Ciphertext, out?: Ciphertext): Ciphertext {
    checkContext(this.context, a, 'relinearize');
    if (a.degree === 1) return out === undefined ? a.clone() : deliver(this.context, a, out, 'relinearize');
    if (a.degree !== 2) throw new RangeError(`relinearize: degree ${a.degree} is not supported (multiply two degree-1 ciphertexts)`);
    if (this.relinKey === undefined) throw new CkksError('MISSING_KEY', 'relinearize: the evaluator has no relinearisation key');
    if (out === undefined) {
      const parts = this.switcher.switchLift(a.parts[0]!, a.parts[1]!, a.parts[2]!, this.relinKey);
      return new Ciphertext(this.context, parts, a.scale, a.slots);
    }
    checkOutput(this.context, out, { degree: 1, level: a.level, slots: a.slots }, 'relinearize');
    this.switcher.switchLift(a.parts[0]!, a.parts[1]!, a.parts[2]!, this.relinKey, [out.parts[0]!, out.parts[1]!]);
    out.scale = a.scale;
    out.seed = undefined;
    return out;
  }

  /** Divides by the last prime (one level). With `out` (same degree, one level lower) nothing big is allocated. */
  rescale(a: Ciphertext, out?: Ciphertext): Ciphertext {
    this.scratch ??= new BigUint64Array(this.context.ringDegree);
    return arithmetic.rescale(this.context, a, out, this.scratch);
  }

  dropLevels(a: Ciphertext, count: number, out?: Ciphertext): Ciphertext {
    return arithmetic.dropLevels(this.context, a, count, out);
  }

  /** Brings the scale to `targetScale` using one level (see arithmetic.setScale for the error it adds). */
  setScale(a: Ciphertext, targetScale: number, out?: Ciphertext): Ciphertext {
    return arithmetic.setScale(this.context, a, targetScale, out);
  }

  /** Left rotation of the slots by `steps` (negative: right), composed from available keys if needed. */
  rotate(a: Ciphertext, steps: number, out?: Ciphertext): Ciphertext {
    return deliverFresh(this.context, this.rotator.rotate(a, steps), out, 'rotate');
  }

  /** Many rotations of one ciphertext sharing one key-switching decomposition (exact keys required). */
  rotateHoisted(a: Ciphertext, steps: readonly number[]): Map<number, Ciphertext> {
    return this.rotator.rotateHoisted(a, steps);
  }

  /**
   * Double hoisting (for circuits such as BSGS linear transforms): P·rot(a, s) for every step s, kept in the
   * extended basis Q_ℓ ∪ P without ModDown. Sum such terms (after plaintext products in the same basis, see
   * `Encoder.encodeExtended`), then `modDownExtended` once.
   */
  rotateHoistedExtended(a: Ciphertext, steps: readonly number[]): Map<number, ExtendedCiphertext> {
    return this.rotator.rotateHoistedExtended(a, steps);
  }

  /**
   * Mixed hoisting (BSGS linear transforms whose giant groups are summed by `rotateSum`): rot(a, s) for every step s
   * with the first part left as P·c_0 over Q_ℓ ∪ P and the second divided by P (one ModDown per rotation instead of
   * two). Multiply and sum such terms part by part (the first over Q_ℓ ∪ P) and hand the sums to `rotateSum`.
   */
  rotateHoistedHalfExtended(a: Ciphertext, steps: readonly number[]): Map<number, HalfExtendedCiphertext> {
    return this.rotator.rotateHoistedHalfExtended(a, steps);
  }

  /** P·a in the extended basis Q_ℓ ∪ P (exact), with a's scale and slot count. */
  liftExtended(a: Ciphertext): ExtendedCiphertext {
    return this.rotator.liftExtended(a);
  }

  /**
   * acc += P·rot(x/P, steps), both in the extended basis (one ModDown of x.c1, one key switch). x and acc must
   * agree on level, scale and slot count (LEVEL_MISMATCH / SCALE_MISMATCH / INCOMPATIBLE_PARAMETERS).
   */
  rotateAccumulateExtended(x: ExtendedCiphertext, steps: number, acc: ExtendedCiphertext): void {
    this.rotator.rotateAccumulateExtended(x, steps, acc);
  }

  /**
   * The ciphertext over Q_ℓ that an extended one stands for (divides by P), with x's scale and slot count; `x` is
   * consumed.
   */
  modDownExtended(x: ExtendedCiphertext, out?: Ciphertext): Ciphertext {
    return deliverFresh(this.context, this.rotator.modDownExtended(x), out, 'modDownExtended');
  }

  /**
   * Σ_t rot(ciphertext_t, steps_t) with one key switch per non-zero step and one division by P for the whole sum
   * (terms at one level, scale and slot count; exact Galois keys). A term may be a `HalfExtendedCiphertext` (its
   * P·c_0 enters the sum as it is). With a thread pool, the terms are split across threads.
   */
  rotateSum(terms: readonly { ciphertext: Ciphertext | HalfExtendedCiphertext; steps: number }[], out?: Ciphertext): Ciphertext {
    return deliverFresh(this.context, this.rotator.rotateSum(terms), out, 'rotateSum');
  }

  /**
   * rescale(rotateSum(terms)) with the division by P and the rescale by q_ℓ done as one rounded division by q_ℓ·P
   * (as `relinearizeRescale` does for products): the result is at level ℓ − 1 with scale / q_ℓ, and costs ℓ + 1
   * fewer NTTs per polynomial. DEPTH_EXHAUSTED at level 0.
   */
  rotateSumRescale(terms: readonly { ciphertext: Ciphertext | HalfExtendedCiphertext; steps: number }[], out?: Ciphertext): Ciphertext {
    return deliverFresh(this.context, this.rotator.rotateSum(terms, true), out, 'rotateSumRescale');
  }

  /**
   * Σ_t P·rot(x_t/P, steps_t) in the extended basis (the sum of `rotateAccumulateExtended` over the terms): double
   * hoisting's giant steps; with a thread pool, one term per thread. Inputs unchanged.
   */
  rotateSumExtended(terms: readonly { ciphertext: ExtendedCiphertext; steps: number }[]): ExtendedCiphertext {
    return this.rotator.rotateSumExtended(terms);
  }

  /** Complex conjugation of every slot (needs the conjugation key). */
  conjugate(a: Ciphertext, out?: Ciphertext): Ciphertext {
    return deliverFresh(this.context, this.rotator.conjugate(a), out, 'conjugate');
  }

  /** Counts of key-switching work done by this evaluator so far (decompositions, key inner products). */
  get keySwitchCounters(): Readonly<{ decompositions: number; keySwitches: number }> {
    return this.switcher.counters;
  }

  /** True when a Galois key for a left rotation by `steps` is available (exactly, without composition). */
  hasRotationKey(steps: number): boolean {
    return this.rotator.hasKey(steps);
  }

  /**
   * Rotate-and-sum over a power-of-two window: afterwards slot j holds Σ_{i<window} x_{j+i} (indices mod the
   * slot count). Uses log2(window) rotations by 1, 2, 4, ….
   */
  innerSum(a: Ciphertext, window: number, out?: Ciphertext): Ciphertext {
    if (!Number.isInteger(window) || window < 1 || (window & (window - 1)) !== 0 || window > a.slots) {
      throw new RangeError(`innerSum: window must be a power of two in [1, ${a.slots}], got ${window}`);
    }
    let acc = a.clone();
    for (let step = 1; step < window; step <<= 1) acc = this.add(acc, this.rotate(acc, step));
    return deliverFresh(this.context, acc, out, 'innerSum');
  }
}
