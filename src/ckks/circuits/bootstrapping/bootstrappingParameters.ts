/**
 * Bootstrapping parameters: a literal with named fields (Lattigo's bootstrapping `ParametersLiteral` style),
 * validated once against a CKKS parameter set into an immutable `BootstrappingParameters` that knows the level of
 * every stage, K and the failure probability.
 *
 * The chain is read from the top: CoeffsToSlots uses the top `coeffsToSlotsLevels` primes (one per merged DFT
 * matrix), EvalMod the next `evalMod.depth`, SlotsToCoeffs the next `slotsToCoeffsLevels`; what remains below is
 * the output level (levels left for the application). The primes of each group should match what runs there:
 * CoeffsToSlots and EvalMod run at the EvalMod scale (≈ 2^60 with 60-bit EvalMod primes), SlotsToCoeffs and
 * the residual levels at the output scale (the default scale).
 */
import type { CkksContext } from '../../scheme/context.js';
import { EvalMod, type EvalModLiteral } from './evalMod.js';
import { chooseK, log2BootstrapFailure } from './failureProbability.js';

/** Everything configurable; defaults in the comments. */
export interface BootstrappingLiteral {
  /** log2 of the number of slots bootstrapped (default logN − 1, full slots). Sparse: fewer. */
  logSlots?: number;
  /** Levels (merged DFT matrices) of CoeffsToSlots; more levels: fewer keys and diagonals, more depth. */
  coeffsToSlotsLevels: number;
  /** Levels of SlotsToCoeffs. */
  slotsToCoeffsLevels: number;
  /** EvalMod; K may be omitted to choose it from the secret's Hamming weight and `log2FailureProbability`. */
  evalMod: Omit<EvalModLiteral, 'K'> & { K?: number };
  /**
   * Hamming weight of the ephemeral sparse secret of the encapsulation (default 32); 0: no encapsulation (the main
   * secret must then be sparse, its weight sets K).
   */
  ephemeralHammingWeight?: number;
  /** log2 of the failure probability K is chosen for (default −128). */
  log2FailureProbability?: number;
  /** log2 of the scale of the raised ciphertext through CoeffsToSlots and EvalMod (default: log2 of EvalMod's first prime). */
  logEvalModScale?: number;
  /**
   * log2 of EvalMod's output scale (default logEvalModScale − logMessageRatio, where the message sat before the
   * raise): high, so that EvalMod's rounding noise stays far below the message coefficients. SlotsToCoeffs brings it
   * down to the output scale by encoding its diagonals at q_ℓ·ρ (ρ < 1 per level).
   */
  logEvalModOutputScale?: number;
  /** log2 of the scale of the bootstrapped ciphertext (default: the parameters' default scale). */
  logOutputScale?: number;
  /**
   * Cost of a giant step relative to a baby step for the BSGS strides of the DFT matrices (default 1: the fewest
   * Galois keys; ≈ 4 is the fastest, with ≈ 20% more keys; see bootstrapBabyStride).
   */
  giantStepCost?: number;
}

/** Levels at which each stage starts (the level of its input). */
export interface StageLevels {
  coeffsToSlots: number;
  evalMod: number;
  slotsToCoeffs: number;
  output: number;
}

export class BootstrappingParameters {
  readonly context: CkksContext;
  readonly slots: number;
  readonly logSlots: number;
  readonly coeffsToSlotsLevels: number;
  readonly slotsToCoeffsLevels: number;
  readonly evalMod: EvalMod;
  readonly ephemeralHammingWeight: number;
  /** Hamming weight of the secret that ModRaise sees (the ephemeral one with encapsulation). */
  readonly raisedHammingWeight: number;
  /** log2 of the probability that some coefficient leaves EvalMod's range (−Infinity: impossible). */
  readonly log2FailureProbability: number;
  readonly evalModScale: number;
  readonly evalModOutputScale: number;
  readonly outputScale: number;
  readonly giantStepCost: number;
  readonly levels: StageLevels;

  constructor(context: CkksContext, literal: BootstrappingLiteral) {
    const params = context.params;
    this.context = context;
    const logSlots = literal.logSlots ?? params.logN - 1;
    if (!Number.isInteger(logSlots) || logSlots < 1 || logSlots > params.logN - 1) {
      throw new RangeError(`logSlots must be an integer in [1, ${params.logN - 1}], got ${logSlots}`);
    }
    this.logSlots = logSlots;
    this.slots = 2 ** logSlots;
    for (const [name, v] of [['coeffsToSlotsLevels', literal.coeffsToSlotsLevels], ['slotsToCoeffsLevels', literal.slotsToCoeffsLevels]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > logSlots) throw new RangeError(`${name} must be an integer in [1, ${logSlots}], got ${v}`);
    }
    this.coeffsToSlotsLevels = literal.coeffsToSlotsLevels;
    this.slotsToCoeffsLevels = literal.slotsToCoeffsLevels;

    const ephemeral = literal.ephemeralHammingWeight ?? 32;
    if (!Number.isInteger(ephemeral) || ephemeral < 0 || ephemeral > params.ringDegree) throw new RangeError(`ephemeralHammingWeight must be an integer in [0, N], got ${ephemeral}`);
    this.ephemeralHammingWeight = ephemeral;
    const main = params.secret.kind === 'sparse-ternary' ? params.secret.hammingWeight : undefined;
    if (ephemeral === 0 && main === undefined) {
      throw new RangeError('bootstrapping under a uniform ternary secret needs sparse-secret encapsulation (ephemeralHammingWeight > 0): its |I| would reach hundreds');
    }
    this.raisedHammingWeight = ephemeral > 0 ? ephemeral : main!;
    const target = literal.log2FailureProbability ?? -128;
    if (!(target < 0)) throw new RangeError(`log2FailureProbability must be negative, got ${target}`);
    const coefficients = 2 * this.slots;
    const K = literal.evalMod.K ?? chooseK(this.raisedHammingWeight, coefficients, target);
    this.evalMod = new EvalMod({ ...literal.evalMod, K });
    this.log2FailureProbability = log2BootstrapFailure(this.raisedHammingWeight, K, coefficients);

    const top = params.maxLevel;
    const evalModStart = top - this.coeffsToSlotsLevels;
    const stcStart = evalModStart - this.evalMod.depth;
    const output = stcStart - this.slotsToCoeffsLevels;
    if (output < 0) {
      throw new RangeError(`the chain has ${top + 1} primes; bootstrapping needs ${this.coeffsToSlotsLevels} + ${this.evalMod.depth} + ${this.slotsToCoeffsLevels} levels above level 0`);
    }
    this.levels = Object.freeze({ coeffsToSlots: top, evalMod: evalModStart, slotsToCoeffs: stcStart, output });
    const logEvalModScale = literal.logEvalModScale ?? Math.round(Math.log2(Number(params.Q[evalModStart]!)));
    if (!Number.isFinite(logEvalModScale) || logEvalModScale < 20 || logEvalModScale > 62) throw new RangeError(`logEvalModScale must be in [20, 62], got ${logEvalModScale}`);
    this.evalModScale = 2 ** logEvalModScale;
    const logEvalModOutputScale = literal.logEvalModOutputScale ?? logEvalModScale - this.evalMod.logMessageRatio;
    const logOutputScale = literal.logOutputScale ?? params.logDefaultScale;
    for (const [name, v] of [['logEvalModOutputScale', logEvalModOutputScale], ['logOutputScale', logOutputScale]] as const) {
      if (!Number.isFinite(v) || v < 10 || v > 62) throw new RangeError(`${name} must be in [10, 62], got ${v}`);
    }
    if (logEvalModOutputScale < logOutputScale) throw new RangeError('logEvalModOutputScale must be at least logOutputScale');
    this.evalModOutputScale = 2 ** logEvalModOutputScale;
    this.outputScale = 2 ** logOutputScale;
    const giantStepCost = literal.giantStepCost ?? 1;
    if (!(giantStepCost >= 0.25 && giantStepCost <= 64)) throw new RangeError(`giantStepCost must be in [0.25, 64], got ${giantStepCost}`);
    this.giantStepCost = giantStepCost;
    Object.freeze(this);
  }

  /** Levels consumed by the whole circuit. */
  get depth(): number {
    return this.coeffsToSlotsLevels + this.evalMod.depth + this.slotsToCoeffsLevels;
  }

  /** The largest input scale accepted: q_0 / 2^logMessageRatio (smaller scales are multiplied up by an integer). */
  get maxInputScale(): number {
    return Number(this.context.params.Q[0]!) / 2 ** this.evalMod.logMessageRatio;
  }

  /** A one-line summary for reports. */
  describe(): string {
    const em = this.evalMod;
    return `slots 2^${this.logSlots}, CtS ${this.coeffsToSlotsLevels} levels, EvalMod ${em.depth} levels (K = ${em.K}, degree ${em.degree}, `
      + `${em.doubleAngle} double angles${em.arcsineDegree > 0 ? `, arcsine ${em.arcsineDegree}` : ''}), StC ${this.slotsToCoeffsLevels} levels, `
      + `output level ${this.levels.output}, failure 2^${this.log2FailureProbability === -Infinity ? '-∞' : this.log2FailureProbability.toFixed(1)}`;
  }
}
