/**
 * CKKS bootstrapping: a level-0 ciphertext in, the same slots at `levels.output` out.
 *
 * Pipeline (Cheon–Han–Kim–Kim–Song 2018; Chen–Chillotti–Song 2019; Han–Ki 2020; Bossuat–Mouchet–Troncoso-Pastoriza–
 * Hubaux 2021; Bossuat–Troncoso-Pastoriza–Hubaux 2022 for the encapsulation), with the levels of each stage:
 *  1. scale up: the input (scale Δ ≤ q_0/2^logMessageRatio) times the integer f = round(q_0/(2^logMessageRatio·Δ)),
 *     so its message sits at Δ' = f·Δ ≈ q_0/ratio (no level; EvalMod's output factor C = q_0/Δ' undoes it exactly);
 *  2. [encapsulation] switch to the ephemeral sparse secret at level 0; ModRaise to the top level L; [switch back];
 *  3. SubSum for n < N/2 slots: log2(N/2n) rotate-and-adds keep the coefficients of Y = X^{N/2n} (×N/2n);
 *  4. CoeffsToSlots: `coeffsToSlotsLevels` BSGS transforms (levels L … L − c + 1), giving t/(q_0·B) in the slots,
 *     then conjugate-and-add to split real and imaginary parts;
 *  5. EvalMod (its depth in levels): C·(x − round(x)) = the message coefficients;
 *  6. SlotsToCoeffs: `slotsToCoeffsLevels` BSGS transforms back to slots; the real path ends with a
 *     conjugate-and-add (see bootstrappingKeys.ts for the two paths).
 * Every transform is a double-hoisted BSGS linear transform with the planner's exact keys; its diagonals are
 * encoded at scale q_ℓ, so the scale is unchanged across CoeffsToSlots (the EvalMod scale) and SlotsToCoeffs (the
 * output scale, which EvalMod's last step produces exactly).
 */
import { CkksError } from '../../errors.js';
import type { Encoder } from '../../scheme/encoder.js';
import type { CircuitEvaluator } from '../../scheme/evaluatorInterface.js';
import { Ciphertext } from '../../scheme/plaintext.js';
import { modRaise } from '../../scheme/modRaise.js';
import { pinScale } from '../../scheme/scale.js';
import { type EncapsulationKeys, modRaiseFromEphemeral, switchToEphemeral } from '../../scheme/sparseSecretEncapsulation.js';
import { LinearTransform } from '../linearTransform/linearTransform.js';
import { PolynomialEvaluator } from '../polynomial/polynomialEvaluator.js';
import { rotateAddChain } from '../rotateAdd.js';
import { releaseCiphertexts } from '../temporaries.js';
import type { BootstrappingParameters } from './bootstrappingParameters.js';
import { type BootstrapPath, type DftMatrices, bootstrapBabyStride, dftMatrices, subSumSteps } from './bootstrappingKeys.js';

/** The phases reported to the progress callback. */
export type BootstrapPhase = 'modRaise' | 'coeffsToSlots' | 'evalMod' | 'slotsToCoeffs' | 'done';

export interface BootstrapOptions {
  /** 'real' (default): real slots, one EvalMod, the imaginary parts are dropped. 'complex': complex slots. */
  path?: BootstrapPath;
  /** Output scale (default: `params.outputScale`; EvalMod's output scale moves with it). */
  outputScale?: number;
  /** Called with the current phase and the fraction of the work done so far (0 … 1, by key-switch count). */
  progress?: (phase: BootstrapPhase, fraction: number) => void;
}

/** The encoded transforms of one path. */
interface PathTransforms {
  readonly matrices: DftMatrices;
  readonly coeffsToSlots: readonly LinearTransform[];
  readonly slotsToCoeffs: readonly LinearTransform[];
}

export class Bootstrapper {
  readonly params: BootstrappingParameters;
  /** Only the circuits' interface (`CircuitEvaluator`): DFT stages, EvalMod and the polynomial evaluator. */
  private readonly evaluator: CircuitEvaluator;
  private readonly encoder: Encoder;
  private readonly polynomials: PolynomialEvaluator;
  private readonly encapsulation: EncapsulationKeys | undefined;
  private readonly transforms = new Map<BootstrapPath, PathTransforms>();
  /** DFT diagonals kept as float64 coefficients and encoded per use (`LinearTransformOptions.compact`). */
  private readonly compact: boolean;

  /**
   * `paths` are encoded now (the diagonals of every DFT matrix, over Q_ℓ ∪ P: most of the set-up time and memory);
   * others on first use. With encapsulation (`params.ephemeralHammingWeight > 0`) its keys are required.
   * `compactTransforms`: keep the DFT diagonals compact (≈ 60× less memory, one encoding per diagonal per bootstrap).
   */
  constructor(evaluator: CircuitEvaluator, encoder: Encoder, params: BootstrappingParameters,
    options: { encapsulationKeys?: EncapsulationKeys; paths?: readonly BootstrapPath[]; compactTransforms?: boolean } = {}) {
    evaluator.context.assertSameParameters(params.context, 'Bootstrapper');
    encoder.context.assertSameParameters(params.context, 'Bootstrapper');
    this.params = params;
    this.evaluator = evaluator;
    this.encoder = encoder;
    this.polynomials = new PolynomialEvaluator(evaluator, encoder);
    if (params.ephemeralHammingWeight > 0) {
      if (options.encapsulationKeys === undefined) throw new CkksError('MISSING_KEY', 'Bootstrapper: these parameters use sparse-secret encapsulation; pass encapsulationKeys (generateEncapsulationKeys)');
      params.context.assertSameParameters(options.encapsulationKeys.context, 'Bootstrapper');
      if (options.encapsulationKeys.hammingWeight !== params.ephemeralHammingWeight) {
        throw new CkksError('INCOMPATIBLE_PARAMETERS', `Bootstrapper: encapsulation keys for weight ${options.encapsulationKeys.hammingWeight}, parameters say ${params.ephemeralHammingWeight}`);
      }
    }
    this.encapsulation = options.encapsulationKeys;
    this.compact = options.compactTransforms ?? false;
    for (const path of options.paths ?? ['real']) this.pathTransforms(path);
  }

  /** The encoded transforms of a path (built on first use). */
  pathTransforms(path: BootstrapPath): PathTransforms {
    if (path !== 'real' && path !== 'complex') throw new RangeError(`path must be 'real' or 'complex', got ${String(path)}`);
    let t = this.transforms.get(path);
    if (t !== undefined) return t;
    const matrices = dftMatrices(this.params, path);
    const { coeffsToSlots: ctsLevel, slotsToCoeffs: stcLevel } = this.params.levels;
    const Q = this.params.context.params.Q;
    const rho = this.stageScaleFactor();
    t = {
      matrices,
      coeffsToSlots: matrices.coeffsToSlots.map((m, i) => LinearTransform.create(this.encoder, m, {
        level: ctsLevel - i, babyStride: bootstrapBabyStride(m, this.params.giantStepCost), compact: this.compact,
      })),
      // diagonals at q_ℓ·ρ: each stage lowers the scale by ρ, from EvalMod's output scale to the output scale
      slotsToCoeffs: matrices.slotsToCoeffs.map((m, i) => LinearTransform.create(this.encoder, m, {
        level: stcLevel - i, scale: Number(Q[stcLevel - i]!) * rho, babyStride: bootstrapBabyStride(m, this.params.giantStepCost), compact: this.compact,
      })),
    };
    this.transforms.set(path, t);
    return t;
  }

  /** ρ = (output scale / EvalMod output scale)^{1/levels}: the scale factor of each SlotsToCoeffs stage. */
  private stageScaleFactor(): number {
    const p = this.params;
    return (p.outputScale / p.evalModOutputScale) ** (1 / p.slotsToCoeffsLevels);
  }

  /**
   * Steps 1–2 (and SubSum): the raised ciphertext at the top level with scale = the EvalMod scale, its slots
   * (n, or relabelled) holding t·(N/2n)/S; returns it with the integer factor f applied to the input.
   * Typed errors: LEVEL_MISMATCH unless at level 0, SCALE_MISMATCH for a scale above q_0/ratio,
   * INCOMPATIBLE_PARAMETERS for more slots than configured.
   */
  modRaise(ct: Ciphertext): { raised: Ciphertext; inputFactor: number } {
    const p = this.params;
    const ctx = p.context;
    ctx.assertSameParameters(ct.context, 'bootstrap');
    if (ct.degree !== 1) throw new RangeError(`bootstrap: relinearise first (degree ${ct.degree})`);
    if (ct.level !== 0) throw new CkksError('LEVEL_MISMATCH', `bootstrap: the ciphertext must be at level 0 (it is at ${ct.level}; dropLevels(ct, ${ct.level}) first)`);
    if (ct.slots > p.slots) throw new CkksError('INCOMPATIBLE_PARAMETERS', `bootstrap: the ciphertext packs ${ct.slots} slots, these parameters bootstrap ${p.slots}`);
    if (!(ct.scale >= 1 && ct.scale <= p.maxInputScale)) {
      throw new CkksError('SCALE_MISMATCH', `bootstrap: input scale 2^${Math.log2(ct.scale).toFixed(2)} must be at most q_0/2^${p.evalMod.logMessageRatio} = 2^${Math.log2(p.maxInputScale).toFixed(2)}`);
    }
    const factor = Math.round(p.maxInputScale / ct.scale);
    const ev = this.evaluator;
    let x = new Ciphertext(ctx, ct.parts, ct.scale, p.slots); // fewer slots: the same polynomial, periodic slots
    if (factor > 1) x = ev.mulConstant(x, factor, { constantScale: 1 });
    const inputFactor = factor;
    let ephemeral: Ciphertext | undefined;
    let lifted: Ciphertext;
    if (this.encapsulation === undefined) lifted = modRaise(ctx, x, p.levels.coeffsToSlots);
    else {
      ephemeral = switchToEphemeral(ctx, this.encapsulation, x);
      lifted = modRaiseFromEphemeral(ctx, this.encapsulation, ephemeral, p.levels.coeffsToSlots);
    }
    lifted.scale = p.evalModScale; // a reinterpretation (the slots now hold t·(N/2n)/S), not a pinned scale: scale.ts
    // SubSum with exact keys only (the key report lists exactly what is used)
    const raised = rotateAddChain(ev, lifted, subSumSteps(p));
    // the intermediates go back to the thread pool's recycler (circuits/temporaries.ts); never the caller's `ct`
    releaseCiphertexts([x, ephemeral, lifted], [ct, raised]);
    return { raised, inputFactor };
  }

  /**
   * Step 4: CoeffsToSlots and the real/imaginary split. Returns one ciphertext (real path, or complex sparse on 2n
   * slots) or two (complex full: real and imaginary parts), each holding y = x/B at the EvalMod scale.
   * `onStage(i, ct)` sees the output of transform i (before the split), for tests.
   */
  coeffsToSlots(raised: Ciphertext, path: BootstrapPath, onStage?: (stage: number, ct: Ciphertext) => void): Ciphertext[] {
    const t = this.pathTransforms(path);
    const ev = this.evaluator;
    let x = new Ciphertext(raised.context, raised.parts, raised.scale, t.matrices.space);
    // each stage's input and unrescaled output are dead once the next exists (never `raised`: the caller's)
    t.coeffsToSlots.forEach((lt, i) => {
      const y = lt.evaluate(ev, x);
      const next = pinScale(ev.rescale(y), raised.scale);
      releaseCiphertexts([x, y], [raised, next]);
      x = next;
      onStage?.(i, x);
    });
    const conj = ev.conjugate(x);
    const out = [ev.add(x, conj)];
    if (path === 'complex' && t.matrices.layout !== 'repack') {
      const difference = ev.sub(x, conj);
      out.push(ev.mulConstant(difference, { re: 0, im: -1 }, { constantScale: 1 }));
      releaseCiphertexts([difference], [raised, ...out]);
    }
    releaseCiphertexts([x, conj], [raised, ...out]);
    return out;
  }

  /** Step 5 on each part: C·(x − round(x)) at the output scale, C = q_0/(scale of the message after step 1). */
  evalMod(parts: readonly Ciphertext[], inputScale: number, outputScale: number): Ciphertext[] {
    const q0 = Number(this.params.context.params.Q[0]!);
    const outputFactor = q0 / inputScale;
    return parts.map((c) => this.params.evalMod.evaluate(this.polynomials, this.evaluator, c, outputFactor, outputScale));
  }

  /** Step 6: SlotsToCoeffs (after recombining the parts) and, for the real path, the final conjugate-and-add. */
  slotsToCoeffs(parts: readonly Ciphertext[], path: BootstrapPath, slots: number, onStage?: (stage: number, ct: Ciphertext) => void): Ciphertext {
    const t = this.pathTransforms(path);
    const ev = this.evaluator;
    let x = parts[0]!;
    if (parts.length === 2) {
      const imaginary = ev.mulConstant(parts[1]!, { re: 0, im: 1 }, { constantScale: 1 });
      x = ev.add(x, imaginary);
      releaseCiphertexts([imaginary], parts);
    }
    const rho = this.stageScaleFactor();
    let scale = x.scale;
    // as in coeffsToSlots: intermediates handed back, never the caller's `parts`
    t.slotsToCoeffs.forEach((lt, i) => {
      scale *= rho;
      const y = lt.evaluate(ev, x);
      const next = pinScale(ev.rescale(y), scale);
      releaseCiphertexts([x, y], [...parts, next]);
      x = next;
      onStage?.(i, x);
    });
    if (path === 'real') {
      const conj = ev.conjugate(x);
      const sum = ev.add(x, conj);
      releaseCiphertexts([x, conj], [...parts, sum]);
      x = sum;
    }
    return new Ciphertext(x.context, x.parts, x.scale, slots);
  }

  /** Bootstraps `ct` (level 0, scale ≤ q_0/ratio, at most `params.slots` slots): the same slots at `levels.output`. */
  bootstrap(ct: Ciphertext, options: BootstrapOptions = {}): Ciphertext {
    const path = options.path ?? 'real';
    const outputScale = options.outputScale ?? this.params.outputScale;
    if (!(outputScale >= 1 && Number.isFinite(outputScale))) throw new RangeError(`outputScale must be a finite number ≥ 1, got ${outputScale}`);
    const evalModScale = outputScale / this.stageScaleFactor() ** this.params.slotsToCoeffsLevels;
    const progress = options.progress;
    const t = this.pathTransforms(path);
    const weights = this.phaseWeights(t, path);
    let done = 0;
    const report = (phase: BootstrapPhase, w: number) => { done += w; progress?.(phase, Math.min(1, done / weights.total)); };
    progress?.('modRaise', 0);
    const { raised, inputFactor } = this.modRaise(ct);
    report('coeffsToSlots', weights.modRaise);
    const parts = this.coeffsToSlots(raised, path, () => report('coeffsToSlots', weights.perCoeffsToSlots));
    report('evalMod', 0);
    releaseCiphertexts([raised], [ct, ...parts]);
    const reduced = parts.map((p) => {
      const [r] = this.evalMod([p], ct.scale * inputFactor, evalModScale);
      report('evalMod', weights.perEvalMod);
      return r!;
    });
    releaseCiphertexts(parts, [ct, ...reduced]);
    report('slotsToCoeffs', 0);
    const out = pinScale(this.slotsToCoeffs(reduced, path, ct.slots, () => report('slotsToCoeffs', weights.perSlotsToCoeffs)), outputScale);
    releaseCiphertexts(reduced, [ct, out]);
    progress?.('done', 1);
    return out;
  }

  /** Rough cost weights (key switches × limbs) of the phases, for the progress fractions. */
  private phaseWeights(t: PathTransforms, path: BootstrapPath): { modRaise: number; perCoeffsToSlots: number; perEvalMod: number; perSlotsToCoeffs: number; total: number } {
    const p = this.params;
    const k = p.context.params.P.length;
    const ks = (lts: readonly LinearTransform[]) => lts.reduce((s, lt) => s + (lt.plan.babySteps.length + lt.plan.giantSteps.length) * (lt.level + 1 + k), 0);
    const modRaise = (2 + subSumSteps(p).length) * (p.levels.coeffsToSlots + 1 + k);
    const perCoeffsToSlots = ks(t.coeffsToSlots) / t.coeffsToSlots.length;
    const evalModCount = path === 'complex' && t.matrices.layout === 'standard' ? 2 : 1;
    const perEvalMod = (2 * Math.sqrt(p.evalMod.degree) + p.evalMod.depth) * (p.levels.evalMod + 1 + k);
    const perSlotsToCoeffs = ks(t.slotsToCoeffs) / t.slotsToCoeffs.length;
    const total = modRaise + ks(t.coeffsToSlots) + evalModCount * perEvalMod + ks(t.slotsToCoeffs);
    return { modRaise, perCoeffsToSlots, perEvalMod, perSlotsToCoeffs, total };
  }
}
