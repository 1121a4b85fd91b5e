/**
 * Blind matching of encrypted CryptoFaceNet features (CryptoFace reference §2.7, §5.13, with the masking the
 * reference leaves out): normalisation (encryptedNormalize.ts), scores ‖ŷ_probe − ŷ_template‖² − τ for 1:1
 * verification or 1:N identification against a packed gallery, and a result in which only the verdict slots carry
 * anything — the sign of r·score with a random r > 0 — and which is noise-flooded for the key holder
 * (noiseFlooding.ts). The object holds evaluation keys (through its evaluator) and the public key, never the secret
 * key: it is the server's side.
 *
 * Levels below y's level ℓ: ŷ at ℓ − 4 (normalisation), the score at ℓ − 5 (difference squared, rotate-and-add over
 * the D = dim slots, −τ), the verdict at ℓ − 6 (× the exact verdict mask of random multipliers, rescale, real part
 * by conjugate-and-add, flooding). Slots: ŷ is one copy in slots 0 … D − 1; a gallery holds template g in slots
 * g·D … g·D + D − 1 (slots/D templates: 128 at 2^15 slots, D = 256); verdict g is in slot g·D.
 *
 * Scales (docs/encrypted-matching.md works the numbers): the score has S_d ≈ q_{ℓ−5}/16 (small enough that the
 * data in the masked slots, multiplied by the mask's rounding, stays below the key-dependent rounding noise), the
 * mask S_m a power of two as large as the last two moduli allow (the product and the result must fit), so the
 * verdict's scale 2·S_d·S_m/q_{ℓ−5} is as large as possible relative to the flooding noise.
 */
import { CkksError } from '../../ckks/errors.js';
import type { CkksContext } from '../../ckks/scheme/context.js';
import type { Encoder } from '../../ckks/scheme/encoder.js';
import { Encryptor } from '../../ckks/scheme/encryptor.js';
import type { Evaluator } from '../../ckks/scheme/evaluator.js';
import type { PublicKey } from '../../ckks/scheme/keys.js';
import type { Ciphertext } from '../../ckks/scheme/plaintext.js';
import { type RandomSource, systemRandom } from '../../ckks/ring/randomSource.js';
import type { NormPolynomial } from '../weights.js';
import { EncryptedNormalizer, NORMALIZE_LEVELS, checkFeatureLayout, normalizedFeatureFormat, type FeatureLayout } from './encryptedNormalize.js';
import { floodCiphertext, floodingSigma } from './noiseFlooding.js';
import { encodeVerdictMask, randomMultipliers, type VerdictSlots } from './verdictMask.js';

/** Levels from y to the returned verdict: normalisation 4, difference squared 1, verdict mask 1. */
export const MATCH_LEVELS = NORMALIZE_LEVELS + 2;

/** Standard deviations between the verdict and the flooding noise: P(|N(0,1)| > 9.5) < 2^-67. */
const READOUT_SIGMAS = 9.5;

export interface MatcherOptions {
  /** s: statistical distance ≤ 2^-s between flooded results of any two computations (default 40). */
  readonly floodingBits?: number;
  /** μ: every score with |score| ≥ μ decrypts with the right sign, except with probability < 2^-67 (default 2^-16). */
  readonly verdictMargin?: number;
  /** W: the multiplier r is log-uniform on [1, 2^W) (default 16). */
  readonly multiplierBits?: number;
  /** Assumed bound on ‖ŷ‖ (p approximates 1/√s; default 1.25): bounds the score's slots by 4·bound² + |τ|. */
  readonly normBound?: number;
  /** Source of the multipliers, the encryption of zero and the flooding noise (default crypto.getRandomValues). */
  readonly random?: RandomSource;
}

/** A verdict ciphertext and where its verdicts are. */
export interface VerdictCiphertext {
  readonly ciphertext: Ciphertext;
  readonly verdicts: VerdictSlots;
}

/** A packed gallery: template g in slots g·D … g·D + D − 1 of one ciphertext, `count` templates. */
export interface EncryptedGallery {
  readonly ciphertext: Ciphertext;
  readonly count: number;
}

/** What the flooding plan assumes and achieves (all sizes in coefficient units of the verdict ciphertext). */
export interface FloodingPlan {
  readonly floodingBits: number;
  readonly verdictMargin: number;
  readonly multiplierBits: number;
  /** Assumed ‖e‖_2 of the unflooded result (rescale and key-switch rounding, encryption of zero, mask rounding × data). */
  readonly errorL2: number;
  /** Per-coefficient rms of one rounding term √((1 + h)/12) and of the mask-rounding term. */
  readonly roundingRms: number;
  readonly maskLeakRms: number;
  /** σ_f = errorL2·2^{s−1}. */
  readonly sigma: number;
  /** Standard deviation of a decoded slot's flooding noise (value units). */
  readonly slotSigma: number;
  /** Scales: score S_d, mask S_m (power of two), verdict 2·S_d·S_m/q. */
  readonly scoreScale: number;
  readonly maskScale: number;
  readonly verdictScale: number;
  /** log2 of the verdict ciphertext's modulus and of the largest content it must hold. */
  readonly finalModulusBits: number;
  readonly finalContentBits: number;
  /** Spare bits: log2(verdict margin content / (9.5·slot noise)). ≥ 0 by construction. */
  readonly readoutSlackBits: number;
}


/** Left steps 1, 2, …, D/2: the sum over a D-slot block lands in its first slot. */
function windowSteps(l: FeatureLayout): number[] {
  const out: number[] = [];
  for (let s = 1; s < l.dim; s *= 2) out.push(s);
  return out;
}

/** Right rotations by D·2^i (as left steps in [0, slots)): probe replication and gallery packing. */
function blockSteps(l: FeatureLayout): number[] {
  const out: number[] = [];
  for (let s = l.dim; s < l.slots; s *= 2) out.push(l.slots - s);
  return out;
}

/**
 * The keys the matcher needs for a feature layout, for whoever generates them (the key holder): rotation steps
 * (left, in [0, slots)) with the highest level each is used at, the relinearisation key up to its level, and the
 * conjugation key at the verdict level. Exactly these (tests: evaluation with levelled keys restricted to them).
 */
export function matcherKeyPlan(l: FeatureLayout): { rotationSteps: number[]; rotationKeyLevels: Map<number, number>; relinearizationLevel: number; conjugationLevel: number } {
  const levels = new Map<number, number>();
  const put = (s: number, level: number) => levels.set(s, Math.max(levels.get(s) ?? -1, level));
  for (let s = 1; s < l.period; s *= 2) put(s, l.level - 2);
  for (const s of windowSteps(l)) put(s, l.level - NORMALIZE_LEVELS - 1);
  for (const s of blockSteps(l)) put(s, l.level - NORMALIZE_LEVELS);
  const rotationSteps = [...levels.keys()].sort((a, b) => a - b);
  return { rotationSteps, rotationKeyLevels: new Map(rotationSteps.map((s) => [s, levels.get(s)!])), relinearizationLevel: l.level - 1, conjugationLevel: l.level - MATCH_LEVELS };
}

/** The numbers the flooding plan depends on (no context needed: docs and planners can call it). */
export interface FloodingInput {
  readonly ringDegree: number;
  readonly slots: number;
  /** Expected ‖s‖_1 of the secret: h for a sparse secret, 2N/3 for a uniform ternary one. */
  readonly secretWeight: number;
  /** q_0 … q_L as numbers. */
  readonly primes: readonly number[];
  /** Level of the normalised features (y's level − 4). */
  readonly templateLevel: number;
  readonly tau: number;
}

/** Default `MatcherOptions.normBound`: the bound assumed on ‖ŷ‖ (checked by the key holder, `FaceClient.inspectPatches`). */
export const DEFAULT_NORM_BOUND = 1.25;

/**
 * The matcher's scales and flooding width (docs/encrypted-matching.md): the template scale √(S_d·q_t) with
 * S_d = q_s/16, the mask scale, the assumed error and σ_f; throws DEPTH_EXHAUSTED when the verdict cannot stay
 * 9.5σ above the flooding noise for scores ≥ μ.
 */
export function planMatcherFlooding(input: FloodingInput, options: MatcherOptions = {}): { templateScale: number; flooding: FloodingPlan } {
  const s = options.floodingBits ?? 40;
  const mu = options.verdictMargin ?? 2 ** -16;
  const W = options.multiplierBits ?? 16;
  const nu = options.normBound ?? DEFAULT_NORM_BOUND;
  if (!(Number.isFinite(s) && s >= 0 && s <= 128)) throw new RangeError(`floodingBits must be in [0, 128], got ${s}`);
  if (!(Number.isFinite(mu) && mu > 0 && mu < 1)) throw new RangeError(`verdictMargin must be in (0, 1), got ${mu}`);
  if (!(Number.isInteger(W) && W >= 0 && W <= 52)) throw new RangeError(`multiplierBits must be an integer in [0, 52], got ${W}`);
  if (!(Number.isFinite(nu) && nu > 0)) throw new RangeError(`normBound must be positive, got ${nu}`);
  const { ringDegree: N, slots: n, primes: q, templateLevel: lt, tau } = input;
  const scoreLevel = lt - 1;
  const verdictLevel = lt - 2;
  if (verdictLevel < 0) throw new CkksError('DEPTH_EXHAUSTED', `matcher: the templates at level ${lt} leave no level for the score and the verdict`);
  const qt = q[lt]!;
  const qs = q[scoreLevel]!;
  const log2Level = (level: number) => q.slice(0, level + 1).reduce((a, x) => a + Math.log2(x), 0);
  // ŷ's scale: the score (ŷ difference squared, rescaled by q_t) lands at S_d ≈ q_s/16
  const templateScale = Math.sqrt((qs / 16) * qt);
  const sD = (templateScale * templateScale) / qt;
  const bound = 4 * nu * nu + Math.abs(tau);
  const roundingRms = Math.sqrt((1 + input.secretWeight) / 12);
  // the score's message (≤ bound per slot, scale S_d) times the mask's rounding (≤ 1/2 per coefficient), / q_s
  const maskLeakRms = (Math.sqrt(N) * sD * bound) / (Math.sqrt(12) * qs);
  // after conjugate-and-add: 2 × (rescale rounding + mask leak) + conjugation key-switch rounding + Enc_pk(0); ×2 margin
  const errorL2 = 2 * Math.sqrt(N) * (4 * roundingRms + 2 * maskLeakRms);
  const sigma = floodingSigma(errorL2, s);
  const slotNoise = sigma * Math.sqrt(n);
  const logQs = log2Level(scoreLevel);
  const logQf = log2Level(verdictLevel);
  const logContent = W + Math.log2(bound);
  // product at the score level ≤ Q_s/4, verdict (2·S_d·S_m/q_s per unit of content) ≤ Q_f/4
  const logMask = Math.floor(Math.min(logQs - 2 - Math.log2(sD) - logContent, logQf - 3 + Math.log2(qs) - Math.log2(sD) - logContent));
  if (logMask < 1) throw new CkksError('DEPTH_EXHAUSTED', `matcher: no room for the verdict mask at level ${scoreLevel} (needs ${(Math.log2(sD) + logContent + 3).toFixed(1)} bits, has ${logQs.toFixed(1)})`);
  const maskScale = 2 ** logMask;
  const verdictScale = (2 * sD * maskScale) / qs;
  const slack = Math.log2((verdictScale * mu) / (READOUT_SIGMAS * slotNoise));
  if (slack < 0) {
    throw new CkksError('DEPTH_EXHAUSTED', `matcher: flooding with s = ${s} leaves a verdict of margin ${mu} ${(-slack).toFixed(1)} bits below ${READOUT_SIGMAS}σ of the flooding noise at level ${verdictLevel}; give y more levels (a larger final modulus), a smaller floodingBits or multiplierBits, or a larger verdictMargin`);
  }
  const finalContent = Math.log2(verdictScale * 2 ** logContent + READOUT_SIGMAS * slotNoise);
  return {
    templateScale,
    flooding: {
      floodingBits: s, verdictMargin: mu, multiplierBits: W, errorL2, roundingRms, maskLeakRms, sigma,
      slotSigma: slotNoise / verdictScale, scoreScale: sD, maskScale, verdictScale,
      finalModulusBits: logQf, finalContentBits: finalContent, readoutSlackBits: slack,
    },
  };
}

/** The matcher's flooding plan for this context, feature layout and threshold (what `EncryptedMatcher` uses). */
function matcherFlooding(context: CkksContext, layout: FeatureLayout, tau: number, options: MatcherOptions): { templateScale: number; flooding: FloodingPlan } {
  const secret = context.params.secret;
  return planMatcherFlooding({
    ringDegree: context.ringDegree,
    slots: layout.slots,
    secretWeight: secret.kind === 'sparse-ternary' ? secret.hammingWeight : (2 * context.ringDegree) / 3,
    primes: context.params.Q.map(Number),
    templateLevel: layout.level - NORMALIZE_LEVELS,
    tau,
  }, options);
}

/**
 * Level, exact scale and slot count of templates and normalised probes for a context, feature layout, threshold and
 * matcher options: what `EncryptedMatcher` checks templates against (FaceClient.encryptTemplate encodes to it).
 */
export function templateFormat(context: CkksContext, layout: FeatureLayout, tau: number, options: MatcherOptions = {}): { level: number; scale: number; slots: number; dim: number } {
  const f = normalizedFeatureFormat(context, layout, matcherFlooding(context, layout, tau, options).templateScale);
  return { level: f.level, scale: f.scale, slots: layout.slots, dim: layout.dim };
}

export class EncryptedMatcher {
  readonly normalizer: EncryptedNormalizer;
  readonly templateLevel: number;
  readonly scoreLevel: number;
  readonly verdictLevel: number;
  readonly flooding: FloodingPlan;
  /** Templates per gallery ciphertext (slots/dim). */
  readonly galleryCapacity: number;
  private readonly encryptor: Encryptor;
  private readonly random: RandomSource;

  constructor(
    readonly context: CkksContext,
    private readonly evaluator: Evaluator,
    encoder: Encoder,
    private readonly publicKey: PublicKey,
    poly: Pick<NormPolynomial, 'a' | 'b' | 'c'>,
    readonly tau: number,
    readonly layout: FeatureLayout,
    options: MatcherOptions = {},
  ) {
    checkFeatureLayout(layout, context);
    if (!Number.isFinite(tau)) throw new RangeError(`tau must be finite, got ${tau}`);
    this.random = options.random ?? systemRandom;
    const l = layout.level;
    if (l < MATCH_LEVELS) throw new CkksError('DEPTH_EXHAUSTED', `matcher: normalisation and matching need ${MATCH_LEVELS} levels, y is at level ${l}`);
    this.templateLevel = l - NORMALIZE_LEVELS;
    this.scoreLevel = this.templateLevel - 1;
    this.verdictLevel = this.scoreLevel - 1;
    this.galleryCapacity = layout.slots / layout.dim;
    const plan = matcherFlooding(context, layout, tau, options);
    this.normalizer = new EncryptedNormalizer(context, encoder, poly, layout, plan.templateScale);
    // the plan's score scale follows from the normalizer's exact output scale (equal up to float rounding)
    this.flooding = plan.flooding;
    this.encryptor = new Encryptor(context, this.random);
  }

  /** Levels from y to the verdict. */
  get levelsNeeded(): number {
    return MATCH_LEVELS;
  }

  /** Scale of every template and normalised probe. */
  get templateScale(): number {
    return this.normalizer.outputScale;
  }

  /** Every rotation step (left, in [0, slots)) the matcher uses; the conjugation key is needed as well. */
  rotationSteps(): number[] {
    return matcherKeyPlan(this.layout).rotationSteps;
  }

  /** Highest level each rotation step is used at (levelled Galois keys suffice). */
  rotationKeyLevels(): Map<number, number> {
    return matcherKeyPlan(this.layout).rotationKeyLevels;
  }

  /** Highest level of the relinearisation key's use (normalisation's first square). */
  get relinearizationLevel(): number {
    return matcherKeyPlan(this.layout).relinearizationLevel;
  }

  /** Level of the conjugation (real part of the verdict). */
  get conjugationLevel(): number {
    return matcherKeyPlan(this.layout).conjugationLevel;
  }

  /** Key switches: normalisation, verification, identification (excluding the probe's normalisation). */
  get keySwitches(): { normalize: number; verify: number; identify: number; packGallery: (templates: number) => number } {
    const w = windowSteps(this.layout).length;
    return {
      normalize: this.normalizer.keySwitches,
      verify: 1 + w + 1,
      identify: blockSteps(this.layout).length + 1 + w + 1,
      packGallery: (t: number) => Math.max(0, t - 1),
    };
  }

  /** ŷ = y·p(‖y‖²), one copy in slots 0 … D − 1: a probe or a template. */
  normalize(y: Ciphertext): Ciphertext {
    return this.normalizer.normalize(this.evaluator, y);
  }

  private checkTemplate(x: Ciphertext, what: string): void {
    if (x.slots !== this.layout.slots) throw new CkksError('INCOMPATIBLE_PARAMETERS', `${what}: ${x.slots} slots, the matcher's layout has ${this.layout.slots}`);
    if (x.level !== this.templateLevel) throw new CkksError('LEVEL_MISMATCH', `${what}: at level ${x.level}, normalised features are at level ${this.templateLevel}`);
    if (x.scale !== this.templateScale) throw new CkksError('SCALE_MISMATCH', `${what}: scale 2^${Math.log2(x.scale).toFixed(3)}, normalised features have 2^${Math.log2(this.templateScale).toFixed(3)}`);
  }

  /** ‖a − b‖² − τ summed over each D-slot block, in the block's first slot (other slots: partial sums). */
  private blockScores(a: Ciphertext, b: Ciphertext): Ciphertext {
    const ev = this.evaluator;
    const diff = ev.sub(a, b);
    let d = ev.mulRelinRescale(diff, diff);
    for (const s of windowSteps(this.layout)) d = ev.add(d, ev.rotate(d, s));
    return ev.addConstant(d, -this.tau);
  }

  /** The unmasked score ciphertext of a verification (slot 0: ‖ŷ_p − ŷ_t‖² − τ). Server-internal. */
  verifyScore(probe: Ciphertext, template: Ciphertext): Ciphertext {
    this.checkTemplate(probe, 'verify (probe)');
    this.checkTemplate(template, 'verify (template)');
    return this.blockScores(probe, template);
  }

  /** The unmasked score ciphertext of an identification (slot g·D: score of template g). Server-internal. */
  identifyScore(probe: Ciphertext, gallery: Ciphertext): Ciphertext {
    this.checkTemplate(probe, 'identify (probe)');
    this.checkTemplate(gallery, 'identify (gallery)');
    const ev = this.evaluator;
    let rep = probe;
    for (const s of blockSteps(this.layout)) rep = ev.add(rep, ev.rotate(rep, s));
    return this.blockScores(rep, gallery);
  }

  /**
   * Keeps only the verdict slots, each times a fresh random r ∈ [1, 2^W) (log-uniform), takes the real part:
   * every other slot is zero up to the rounding noise. NOT yet safe to release: `flood` it.
   */
  maskVerdicts(score: Ciphertext, verdicts: VerdictSlots): Ciphertext {
    if (score.level !== this.scoreLevel) throw new CkksError('LEVEL_MISMATCH', `maskVerdicts: the score is at level ${score.level}, expected ${this.scoreLevel}`);
    if (verdicts.slots !== this.layout.slots || verdicts.block !== this.layout.dim) throw new RangeError('maskVerdicts: verdict slots must be blocks of the layout');
    const ev = this.evaluator;
    const fp = this.flooding;
    const values = randomMultipliers(verdicts.count, fp.multiplierBits, fp.maskScale, this.random);
    const mask = encodeVerdictMask(this.context, this.scoreLevel, verdicts, values, fp.maskScale);
    const masked = ev.rescale(ev.mulPlain(score, mask));
    // 2·Re: conj(v) + v, declared at twice the scale (the message is Re(v))
    const real = ev.add(masked, ev.conjugate(masked));
    real.scale = masked.scale * 2;
    return real;
  }

  /** c + Enc_pk(0) + flooding noise of width σ_f (the plan's): what may be sent to the key holder. */
  flood(c: Ciphertext): Ciphertext {
    if (c.level !== this.verdictLevel) throw new CkksError('LEVEL_MISMATCH', `flood: the verdict is at level ${c.level}, expected ${this.verdictLevel}`);
    return floodCiphertext(this.context, c, this.encryptor, this.publicKey, this.flooding.sigma, this.random);
  }

  /** 1:1 verification: slot 0 of the decrypted result is r·(‖ŷ_p − ŷ_t‖² − τ); negative means "same person". */
  verify(probe: Ciphertext, template: Ciphertext): VerdictCiphertext {
    const verdicts: VerdictSlots = { slots: this.layout.slots, block: this.layout.dim, count: 1 };
    return { ciphertext: this.flood(this.maskVerdicts(this.verifyScore(probe, template), verdicts)), verdicts };
  }

  /**
   * Packs separately enrolled templates (one copy each in slots 0 … D − 1) into a gallery: template g in block g,
   * by a binary tree of rotations by −D·2^i (log2(slots/D) distinct keys, templates − 1 key switches).
   */
  packGallery(templates: readonly Ciphertext[]): EncryptedGallery {
    if (templates.length < 1 || templates.length > this.galleryCapacity) throw new RangeError(`packGallery: 1 … ${this.galleryCapacity} templates per ciphertext, got ${templates.length}`);
    templates.forEach((t, i) => this.checkTemplate(t, `packGallery (template ${i})`));
    const ev = this.evaluator;
    let items = [...templates];
    for (let span = this.layout.dim; items.length > 1; span *= 2) {
      const next: Ciphertext[] = [];
      for (let i = 0; i < items.length; i += 2) {
        const b = items[i + 1];
        next.push(b === undefined ? items[i]! : ev.add(items[i]!, ev.rotate(b, this.layout.slots - span)));
      }
      items = next;
    }
    return { ciphertext: items[0]!.clone(), count: templates.length };
  }

  /** 1:N identification: slot g·D holds r_g·score_g for each of the gallery's templates. */
  identify(probe: Ciphertext, gallery: EncryptedGallery): VerdictCiphertext {
    const count = gallery.count;
    if (!Number.isInteger(count) || count < 1 || count > this.galleryCapacity) throw new RangeError(`identify: the gallery's count must be in [1, ${this.galleryCapacity}], got ${count}`);
    const verdicts: VerdictSlots = { slots: this.layout.slots, block: this.layout.dim, count };
    return { ciphertext: this.flood(this.maskVerdicts(this.identifyScore(probe, gallery.ciphertext), verdicts)), verdicts };
  }
}

/** Client side: the verdicts from the decrypted, decoded slots (match ⇔ r·score < 0). */
export function readVerdicts(slots: ArrayLike<number>, verdicts: VerdictSlots): boolean[] {
  const out: boolean[] = [];
  for (let g = 0; g < verdicts.count; g++) {
    const v = slots[g * verdicts.block];
    if (v === undefined || !Number.isFinite(v)) throw new RangeError(`readVerdicts: slot ${g * verdicts.block} is missing`);
    out.push(v < 0);
  }
  return out;
}
