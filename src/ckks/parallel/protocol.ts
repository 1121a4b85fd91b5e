/**
 * The task protocol between the calling thread and the workers of a `ThreadPool`.
 *
 * A job is a list of phases; a phase is a list of independent units (each writes memory no other unit of its
 * phase touches); phase p + 1 starts when every unit of phase p is done. Every participating thread — the
 * calling one and each worker — claims units with an atomic counter per phase (dynamic scheduling: a thread the
 * OS deschedules simply claims fewer), so which thread runs which unit changes from run to run while the result
 * does not: every unit runs the same ring functions on the same words as the single-threaded path, and writes
 * disjoint memory.
 *
 * Polynomials are named by `PolyRef`s: a buffer index into the job's `SharedArrayBuffer` list and the word offset
 * of limb 0; their bases follow from the unit (its level, and whether it is over Q_ℓ or Q_ℓ ∪ P).
 *
 * Control block of a job (Int32Array over a SharedArrayBuffer): [0] error flag, [1] units run by workers, then per phase p the
 * next unclaimed unit at 2 + 2p and the count of finished units at 3 + 2p; after them ERROR_BYTES bytes of
 * UTF-8 error text.
 */
import type { ParametersLiteral } from '../scheme/parameters.js';

/** A polynomial in one of the job's shared buffers: buffer index `b`, word offset `o` of its limb 0. */
export interface PolyRef {
  readonly b: number;
  readonly o: number;
}

export type Unit =
  /** In place NTT of one limb (`prime`: index into Q ∪ P); with `src`, the limb is first copied from there. */
  | { readonly op: 'ntt'; readonly p: PolyRef; readonly limb: number; readonly prime: number; readonly inverse: boolean; readonly src?: PolyRef }
  /**
   * Digit `digit` of d at `level`: ModUp of its coefficient form `coef` to `ext` over Q_ℓ ∪ P, own limbs from `d`, and
   * the NTT of the converted limbs unless `transform` is false (then 'ntt' units of their own follow). With `half`
   * (only without `transform`): coefficients [half·N/2, (half + 1)·N/2) only, so one digit is two units.
   */
  | {
    readonly op: 'modUp'; readonly level: number; readonly digit: number; readonly coef: PolyRef; readonly d: PolyRef; readonly ext: PolyRef;
    readonly transform?: boolean; readonly half?: 0 | 1;
  }
  /**
   * Limb `limb` of a key switch's inner product (Σ_j digit_j·b_j, Σ_j digit_j·a_j) over Q_ℓ ∪ P into fresh (zero)
   * accumulators, reduced to [0, q); with `lift`, P·lift[k] is added to accumulator k (k = 0, 1). Fused with its
   * neighbours: first the forward NTT of that limb of each polynomial in `forward` (digits whose converted limbs are
   * still in coefficient form), and after the product, with `prep`, 'modDownPrep' of that limb of both accumulators
   * (a limb the division drops).
   */
  | {
    readonly op: 'switchLimb'; readonly level: number; readonly limb: number; readonly keyQ: number;
    readonly digits: readonly PolyRef[]; readonly keyB: readonly PolyRef[]; readonly keyA: readonly PolyRef[];
    readonly acc0: PolyRef; readonly acc1: PolyRef; readonly lift?: readonly [PolyRef, PolyRef];
    readonly forward: readonly PolyRef[]; readonly prep?: { readonly rescale: boolean };
    /** The key's Shoup companions (a relinearisation key's `keyCompanions`): Shoup key products, then ·2^{-64}. */
    readonly keyShoup?: { readonly b: readonly PolyRef[]; readonly a: readonly PolyRef[] };
  }
  /**
   * ModDown of x over Q_ℓ ∪ P by P into `out` over Q_ℓ (or, `rescale`, by q_ℓ·P into Q_{ℓ−1}), in three phases:
   * step 1, dropped limb `dropped` of x to coefficient form plus the rounding offset (in place);
   */
  | { readonly op: 'modDownPrep'; readonly level: number; readonly rescale: boolean; readonly x: PolyRef; readonly dropped: number }
  /** step 2, the base conversion of coefficients [half·N/2, (half + 1)·N/2) of the dropped limbs into `out`; */
  | { readonly op: 'modDownConvert'; readonly level: number; readonly rescale: boolean; readonly x: PolyRef; readonly out: PolyRef; readonly half: 0 | 1 }
  /** step 3, kept limb `limb`: NTT of the conversion, then (x_i − conversion)·D^{-1}. */
  | { readonly op: 'modDownFinish'; readonly level: number; readonly rescale: boolean; readonly x: PolyRef; readonly out: PolyRef; readonly limb: number }
  /** Rescale of a whole polynomial a over Q_ℓ into `out` over Q_{ℓ−1}. */
  | { readonly op: 'rescale'; readonly level: number; readonly a: PolyRef; readonly out: PolyRef }
  /**
   * σ_k(src (+ add)) over Q_ℓ (or Q_ℓ ∪ P when `extended`) into `dst`, or added to `dst` when `accumulate`.
   * With `add`, src is overwritten by src + add first.
   */
  | {
    readonly op: 'automorphism'; readonly level: number; readonly extended: boolean; readonly element: number;
    readonly src: PolyRef; readonly dst: PolyRef; readonly add?: PolyRef; readonly accumulate?: boolean;
  }
  /** Limb `limb` of the tensor product (a0, a1) ⊗ (b0, b1) = (d0, d1, d2) over Q_ℓ. */
  | {
    readonly op: 'tensor'; readonly level: number; readonly limb: number;
    readonly a0: PolyRef; readonly a1: PolyRef; readonly b0: PolyRef; readonly b1: PolyRef;
    readonly d0: PolyRef; readonly d1: PolyRef; readonly d2: PolyRef;
  }
  /** Limb `limb` of out = a·b (element-wise, evaluation form) over Q_ℓ (or Q_ℓ ∪ P when `extended`). */
  | { readonly op: 'mul'; readonly level: number; readonly extended: boolean; readonly limb: number; readonly a: PolyRef; readonly b: PolyRef; readonly out: PolyRef }
  /**
   * One half of a rotation from a decomposition (hoisted or not): part k = 0 or 1 of the key switch, Σ_j digit_j·key_j
   * over Q_ℓ ∪ P with key_j = b_j (part 0) or a_j (part 1), reduced; for part 0 plus c0; unless `extended`, divided by P
   * (ModDown); then σ_k into `out` (over Q_ℓ, or Q_ℓ ∪ P when `extended`). c0 is over Q_ℓ and added after the ModDown,
   * or, when `extended`, it is already P·c_0 over Q_ℓ ∪ P and added as it is. Two units per rotation, so that an odd
   * number of rotations still divides evenly between two threads.
   */
  | {
    readonly op: 'rotatePart'; readonly level: number; readonly element: number; readonly keyQ: number; readonly extended: boolean;
    readonly digits: readonly PolyRef[]; readonly key: readonly PolyRef[]; readonly c0?: PolyRef; readonly out: PolyRef;
    /** A hoisted decomposition's digits times 2^{-64} and their Shoup companions (`KeySwitcher.hoist`): Shoup key products. */
    readonly shoupDigits?: { readonly scaled: readonly PolyRef[]; readonly companions: readonly PolyRef[] };
  }
  /**
   * Limb `limb` of part `part` of a rotation sum over Q_ℓ ∪ P (`rotateSumSplit`): for each term, with a key, the
   * key-switch product Σ_j digit_j·key_j on that limb (digits transformed), plus for part 0 the term's P·c_0 (`x`, or
   * P·x computed here unless `xLifted`), then σ_k of it added to `acc`; without a key (rotation by 0), P·x (or x when
   * `xLifted`) added as it is. With `prep`, the limb (dropped by the division that follows) then goes to coefficient
   * form ('modDownPrep').
   */
  | {
    readonly op: 'rotateSumLimb'; readonly level: number; readonly part: 0 | 1; readonly limb: number; readonly acc: PolyRef;
    readonly terms: readonly {
      readonly digits: readonly PolyRef[]; readonly key?: readonly PolyRef[]; readonly keyQ: number; readonly element: number;
      readonly x?: PolyRef; readonly xLifted: boolean;
    }[];
    readonly prep?: { readonly rescale: boolean };
  }
  /** Limb `limb` of out = Σ terms (in order) over Q_ℓ (or Q_ℓ ∪ P when `extended`). */
  | { readonly op: 'sum'; readonly level: number; readonly extended: boolean; readonly limb: number; readonly terms: readonly PolyRef[]; readonly out: PolyRef }
  /**
   * Limb `limb` over Q_ℓ of (acc0, acc1) = Σ_t w_t ⊙ (c0_t, c1_t) into fresh (zero) accumulators, reduced to
   * [0, q): plaintext-ciphertext dot products with fixed plaintexts in Shoup form (`plaintextProducts.ts`). A limb
   * beyond ℓ is a limb of P (mixed hoisting: c0_t and acc0 over Q_ℓ ∪ P): there only acc0 = Σ_t w_t ⊙ c0_t, and c1
   * is empty.
   */
  | {
    readonly op: 'plainDot'; readonly level: number; readonly limb: number; readonly blockLog: number;
    readonly w: readonly PolyRef[]; readonly wShoup: readonly PolyRef[]; readonly c0: readonly PolyRef[]; readonly c1: readonly PolyRef[];
    readonly acc0: PolyRef; readonly acc1: PolyRef;
  }
  /**
   * As 'plainDot' over Q_ℓ ∪ P with plaintexts in Montgomery form (`mulMontgomeryAccumulate2`, double hoisting's
   * products, `LinearTransform` 'double').
   */
  | {
    readonly op: 'plainDotMontgomery'; readonly level: number; readonly limb: number;
    readonly w: readonly PolyRef[]; readonly c0: readonly PolyRef[]; readonly c1: readonly PolyRef[];
    readonly acc0: PolyRef; readonly acc1: PolyRef;
  }
  /**
   * Limb `limb` (prime `prime` of Q ∪ P) of an encoded plaintext operand (`Encoder.encodeOperand`): the rounded
   * coefficients' magnitudes reduced mod the prime, negated where `negative` is all-ones, NTT, times 2^64 (Montgomery).
   */
  | { readonly op: 'encodeLimb'; readonly prime: number; readonly magnitudes: PolyRef; readonly negative: PolyRef; readonly out: PolyRef; readonly limb: number }
  /**
   * The uniform half a_j of a seeded switching key (`expandUniformLimbs`: digit `index`, the ChaCha20 stream of
   * `seed` over Q_stored ∪ P, restricted to Q_target ∪ P) into `out`, then to Montgomery form (keys.ts).
   */
  | {
    readonly op: 'expandUniform'; readonly stored: number; readonly target: number; readonly seed: readonly number[]; readonly index: number; readonly out: PolyRef;
    /** false: leave a_j in plain form (key generation converts it with its limb, 'keyLimb'). Default true. */
    readonly montgomery?: boolean;
  }
  /**
   * Key generation, limb `limb` of Q ∪ P: the error polynomial's residues (`error`: N signed 32-bit coefficients) into
   * `out`, then its NTT (`smallToPoly`).
   */
  | { readonly op: 'keyError'; readonly error: PolyRef; readonly limb: number; readonly out: PolyRef }
  /**
   * Key generation, limb `limb` of Q ∪ P of one digit (`switchingKeyLimb`): b = e − a·t (+ (P mod q)·s' when `sPrime` is
   * given: the limb belongs to the digit), then b and a to Montgomery form; b holds e on entry.
   */
  | { readonly op: 'keyLimb'; readonly limb: number; readonly a: PolyRef; readonly b: PolyRef; readonly target: PolyRef; readonly sPrime?: PolyRef }
  /**
   * One term of `Rotator.rotateSumExtended`: P·rot(x/P, steps) over Q_ℓ ∪ P for an extended x = (x0, x1), as
   * `rotateAccumulateExtended` computes it (ModDown of x1, key switch, + x0, σ_k) into (out0, out1); element 0: x.
   */
  | {
    readonly op: 'rotateTermExtended'; readonly level: number; readonly element: number; readonly keyQ: number;
    readonly keyB: readonly PolyRef[]; readonly keyA: readonly PolyRef[];
    readonly x0: PolyRef; readonly x1: PolyRef; readonly out0: PolyRef; readonly out1: PolyRef;
  };

/** A context's parameters, sent to each worker once (`ThreadPool.attach`); the worker rebuilds the context. */
export interface ContextMessage {
  readonly type: 'context';
  readonly id: number;
  readonly literal: ParametersLiteral;
}

export interface RunMessage {
  readonly type: 'run';
  readonly context: number;
  readonly control: SharedArrayBuffer;
  readonly buffers: readonly SharedArrayBuffer[];
  readonly phases: readonly (readonly Unit[])[];
}

/** The context is gone on the calling thread: drop its copy. */
export interface ForgetMessage {
  readonly type: 'forget';
  readonly id: number;
}

/**
 * Collect garbage now (where the worker has a collector: Node with `gc` exposed, src/cli/gc.ts), then add 1 to
 * `control[0]` and notify. A worker keeps the `SharedArrayBuffer`s of every job it took part in reachable until its
 * own collector runs, and a worker allocates so little that it seldom does: without this, polynomials the calling
 * thread dropped long ago stay in memory (measured: +0.67 GB per 0.67 GB round, `ThreadPool.collectGarbage`).
 */
export interface CollectMessage {
  readonly type: 'collect';
  readonly control: SharedArrayBuffer;
}

export type ToWorker = ContextMessage | RunMessage | ForgetMessage | CollectMessage;

/** Workers answer once, when their modules (and the kernels' warm-ups) have loaded, or with the error that stopped them. */
export type FromWorker = { readonly type: 'ready' } | { readonly type: 'failed'; readonly message: string };

export const ERROR_FLAG = 0;
export const WORKER_UNITS = 1;
export const ERROR_BYTES = 1024;
export const nextIndex = (phase: number): number => 2 + 2 * phase;
export const doneIndex = (phase: number): number => 3 + 2 * phase;
export const controlBytes = (phases: number): number => 4 * (2 + 2 * phases) + ERROR_BYTES;
