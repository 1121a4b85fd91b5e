/**
 * A level and scale planner: what a circuit consumes, known before anything is encrypted. A `CircuitPlan` follows a
 * ciphertext's level, scale and slot count through the steps a circuit will take — linear transforms, polynomials,
 * products, rescales, rotations — with the same arithmetic and the same refusals the evaluator applies when it runs
 * them (DEPTH_EXHAUSTED, SCALE_OUT_OF_RANGE, LEVEL_MISMATCH, INCOMPATIBLE_PARAMETERS), and collects the keys the run
 * will need. So a parameter set can be checked against a circuit, and exactly its keys generated, up front (as
 * Lattigo's circuits report their depth and OpenFHE's schemes their level budget).
 *
 *   const plan = CircuitPlan.start(ctx, { level: ctx.maxLevel, scale: 2 ** 40, slots: 256 })
 *     .linearTransform(transform)          // y = M·x, then one rescale
 *     .polynomial(p);                      // p(y)
 *   plan.level, plan.scale, plan.levelsConsumed, plan.rotationSteps(), plan.needsRelinearizationKey
 *
 * The scales are the evaluator's own float64 results (scale·d/q_ℓ, s²/q_ℓ, …), so a plan's scale equals the
 * result's exactly, not within a tolerance (test/circuits/planner.test.ts runs each plan).
 */
import { CkksError } from '../errors.js';
import type { CkksContext } from '../scheme/context.js';
import { checkFitsModulus, checkRescaledScale } from '../scheme/checks.js';
import type { LinearTransform } from './linearTransform/linearTransform.js';
import { type PerSlotPolynomial, type Polynomial, polynomialDegree, polynomialDepth } from './polynomial/polynomialEvaluator.js';

/** Where a ciphertext stands: its level, scale and slot count. */
export interface CiphertextState {
  readonly level: number;
  readonly scale: number;
  readonly slots: number;
}

/** One planned step, for reports: what it is and the state after it. */
export interface PlannedStep extends CiphertextState {
  readonly step: string;
}

export class CircuitPlan implements CiphertextState {
  private readonly steps: PlannedStep[] = [];
  private readonly rotations = new Set<number>();
  private relinearization = false;

  private constructor(readonly context: CkksContext, private readonly start: CiphertextState, private state: CiphertextState) {}

  /** A plan from a ciphertext at `state` (RangeError for a level outside the chain, a bad scale or slot count). */
  static start(context: CkksContext, state: CiphertextState): CircuitPlan {
    context.checkLevel(state.level);
    if (!(typeof state.scale === 'number' && Number.isFinite(state.scale) && state.scale >= 1)) throw new RangeError(`CircuitPlan: scale must be a finite number ≥ 1, got ${String(state.scale)}`);
    const { slots } = state;
    if (!Number.isInteger(slots) || slots < 1 || (slots & (slots - 1)) !== 0 || slots > context.params.maxSlots) {
      throw new RangeError(`CircuitPlan: slots must be a power of two in [1, ${context.params.maxSlots}], got ${String(slots)}`);
    }
    const initial = { level: state.level, scale: state.scale, slots };
    return new CircuitPlan(context, initial, initial);
  }

  get level(): number {
    return this.state.level;
  }

  get scale(): number {
    return this.state.scale;
  }

  get slots(): number {
    return this.state.slots;
  }

  /** Levels spent since the start. */
  get levelsConsumed(): number {
    return this.start.level - this.state.level;
  }

  /** Whether a relinearisation key is needed (a ciphertext product or a polynomial of degree ≥ 2). */
  get needsRelinearizationKey(): boolean {
    return this.relinearization;
  }

  /** The rotation amounts (in [1, N/2)) whose Galois keys the circuit needs, ascending. */
  rotationSteps(): number[] {
    return [...this.rotations].sort((a, b) => a - b);
  }

  /** The steps so far with the state after each. */
  report(): readonly PlannedStep[] {
    return [...this.steps];
  }

  /**
   * `transform.evaluate` (its diagonals' scale multiplies the ciphertext's) and, with `rescale` (default), one
   * rescale. The transform must be encoded for this level and slot count (LEVEL_MISMATCH /
   * INCOMPATIBLE_PARAMETERS, as at run time).
   */
  linearTransform(transform: LinearTransform, options: { rescale?: boolean } = {}): this {
    const { level, scale, slots } = this.state;
    if (transform.level !== level) throw new CkksError('LEVEL_MISMATCH', `CircuitPlan: the transform is encoded for level ${transform.level}, the ciphertext will be at level ${level}`);
    if (transform.slots !== slots) throw new CkksError('INCOMPATIBLE_PARAMETERS', `CircuitPlan: the transform has ${transform.slots} slots, the ciphertext ${slots}`);
    const product = scale * transform.scale;
    checkFitsModulus({ context: this.context, level }, product, 'CircuitPlan (linear transform)');
    for (const s of transform.rotationSteps()) this.rotations.add(s);
    this.push(`linear transform (${transform.rotationSteps().length} rotation keys)`, { level, scale: product, slots });
    return options.rescale === false ? this : this.rescale();
  }

  /**
   * `PolynomialEvaluator.evaluate` / `evaluatePerSlot`: `polynomialDepth(p)` levels, the result exactly at
   * `targetScale` (default: the current scale). DEPTH_EXHAUSTED when fewer levels are left.
   */
  polynomial(polynomial: Polynomial | PerSlotPolynomial, options: { targetScale?: number } = {}): this {
    const depth = polynomialDepth(polynomial);
    const { level, scale, slots } = this.state;
    if (level < depth) throw new CkksError('DEPTH_EXHAUSTED', `CircuitPlan: the polynomial needs ${depth} levels, the ciphertext will be at level ${level}`);
    const target = options.targetScale ?? scale;
    if (!(typeof target === 'number' && Number.isFinite(target) && target >= 1)) throw new RangeError(`CircuitPlan: targetScale must be a finite number ≥ 1, got ${String(target)}`);
    if (polynomialDegree(polynomial) >= 2) this.relinearization = true;
    this.push(`polynomial (depth ${depth})`, { level: level - depth, scale: target, slots });
    return this;
  }

  /** A product with a ciphertext at the same level and scale (`mulRelinRescale`): s²/q_ℓ one level down. */
  square(): this {
    const { level, scale, slots } = this.state;
    checkFitsModulus({ context: this.context, level }, scale * scale, 'CircuitPlan (product)');
    this.relinearization = true;
    this.push('product', { level, scale: scale * scale, slots });
    return this.rescale();
  }

  /** A product with a plaintext or constant encoded at `plaintextScale` (default q_ℓ, so a rescale restores the scale), rescaled. */
  mulPlain(plaintextScale?: number): this {
    const { level, scale, slots } = this.state;
    const s = plaintextScale ?? Number(this.context.params.Q[level]!);
    checkFitsModulus({ context: this.context, level }, scale * s, 'CircuitPlan (plaintext product)');
    this.push('plaintext product', { level, scale: scale * s, slots });
    return this.rescale();
  }

  /** One rescale: divides the scale by q_ℓ (DEPTH_EXHAUSTED at level 0, SCALE_OUT_OF_RANGE below the minimum scale). */
  rescale(): this {
    const { level, scale, slots } = this.state;
    if (level < 1) throw new CkksError('DEPTH_EXHAUSTED', 'CircuitPlan: a rescale at level 0 (bootstrap first)');
    const next = scale / Number(this.context.params.Q[level]!);
    checkRescaledScale(this.context, next, 'CircuitPlan (rescale)');
    this.push('rescale', { level: level - 1, scale: next, slots });
    return this;
  }

  /** A rotation (its key, by the amount modulo N/2 as `Evaluator.rotate` looks it up, is recorded; the state does not change). */
  rotate(steps: number): this {
    if (!Number.isInteger(steps)) throw new RangeError(`CircuitPlan: rotation steps must be an integer, got ${String(steps)}`);
    const half = this.context.params.maxSlots;
    const r = ((steps % half) + half) % half;
    if (r !== 0) this.rotations.add(r);
    this.push(`rotate ${steps}`, this.state);
    return this;
  }

  private push(step: string, state: CiphertextState): void {
    this.state = state;
    this.steps.push({ step, ...state });
  }
}
