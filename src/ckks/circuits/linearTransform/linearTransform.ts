/**
 * Homomorphic linear transforms y = M·x by the baby-step/giant-step diagonal method (Halevi–Shoup 2014/2018,
 * "Faster homomorphic linear transformations in HElib", §4–5; as organised in Lattigo's lintrans package).
 *
 * With diagonal indices k written as k = g·n1 + b (0 ≤ b < n1, g signed so that negative diagonals get small
 * giant steps):
 *   M·x = Σ_g rot( Σ_b rot(d_k, −g·n1) ⊙ rot(x, b),  g·n1 ).
 * The baby rotations rot(x, b) share one key-switching decomposition (hoisting), and the pre-rotated diagonals
 * rot(d_k, −g·n1) are encoded once. Cost: (#babies) + (#giants) key switches instead of one per diagonal —
 * ≈ 2√d for d diagonals with the best n1, which `planBsgs` picks by counting.
 * Every rotation uses an exact Galois key (no composition), so `rotationSteps` is exactly the set of keys needed.
 * Diagonals may be complex (CKKS slots are complex and plaintext products act slot-wise), so complex matrices such
 * as bootstrapping's CoeffsToSlots need nothing else; only the encoding of the diagonals sees the difference.
 *
 * Double hoisting (default; Bossuat et al. 2021, "Efficient bootstrapping for approximate HE with non-sparse
 * keys", §3.3, Alg. 4): the baby rotations stay in the extended basis Q_ℓ ∪ P (no ModDown), the diagonals are
 * encoded over Q_ℓ ∪ P, each giant group's inner sum is divided by P only in its c1 part (which the giant
 * rotation must decompose), the giant rotations accumulate in the extended basis too, and one final ModDown of
 * the two output polynomials ends it: 1 + #giants ModDown-pairs become #giants + 1 single ModDowns.
 */
import { CkksError } from '../../errors.js';
import type { Encoder, PreparedOperand } from '../../scheme/encoder.js';
import type { CircuitEvaluator } from '../../scheme/evaluatorInterface.js';
import { type Ciphertext, ExtendedCiphertext, HalfExtendedCiphertext, type Plaintext } from '../../scheme/plaintext.js';
import { releaseCiphertexts } from '../temporaries.js';
import { RnsPoly, polyReduceLazy, releasePoly } from '../../ring/rnsPoly.js';
import { mulMontgomeryAccumulate2 } from '../../ring/modularKernels.js';
import { ShoupPlaintext, plaintextDotLimb, plaintextDotLimb1, shoupForm, slotRunLog } from '../../ring/plaintextProducts.js';
import { jobFor, plainDotMontgomerySplit, plainDotSplit } from '../../parallel/schemeJobs.js';
import { type DiagonalMatrix, type SlotVector, checkDiagonalMatrix } from './diagonals.js';

/** How the diagonals of one transform are split into baby and giant steps. */
export interface BsgsPlan {
  readonly slots: number;
  /** Baby-step stride n1. */
  readonly babyStride: number;
  /** giant index g → baby offsets b (with diagonal k ≡ g·n1 + b mod slots). */
  readonly groups: ReadonlyMap<number, readonly number[]>;
  /** Non-zero baby rotations (hoisted). */
  readonly babySteps: readonly number[];
  /** Non-zero giant rotations g·n1. */
  readonly giantSteps: readonly number[];
  /**
   * Indices k ≥ negativeFrom are split as the negative diagonal k − slots (small negative giant steps instead of
   * large positive ones): ⌊slots/2⌋ + 1, or slots/2 when that saves a giant step (a dense matrix: diagonal slots/2
   * otherwise forms a group of its own).
   */
  readonly negativeFrom: number;
}

function splitIndex(k: number, plan: Pick<BsgsPlan, 'slots' | 'babyStride' | 'negativeFrom'>): [number, number] {
  const signed = k >= plan.negativeFrom ? k - plan.slots : k;
  const g = Math.floor(signed / plan.babyStride);
  return [g, signed - g * plan.babyStride];
}

/** True when plan a needs fewer key switches than b, or as many and fewer giant steps. */
function cheaperPlan(a: BsgsPlan, b: BsgsPlan): boolean {
  const ka = keySwitchCount(a);
  const kb = keySwitchCount(b);
  return ka < kb || (ka === kb && a.giantSteps.length < b.giantSteps.length);
}

/** The plan with stride n1 under the cheaper convention for diagonal slots/2 (`cheaperPlan`; ties: the usual one). */
function planFor(indices: readonly number[], slots: number, n1: number): BsgsPlan {
  const usual = planWith(indices, slots, n1, Math.floor(slots / 2) + 1);
  const alternative = planWith(indices, slots, n1, slots / 2);
  return cheaperPlan(alternative, usual) ? alternative : usual;
}

function planWith(indices: readonly number[], slots: number, n1: number, negativeFrom: number): BsgsPlan {
  const groups = new Map<number, number[]>();
  const babies = new Set<number>();
  for (const k of indices) {
    const [g, b] = splitIndex(k, { slots, babyStride: n1, negativeFrom });
    const list = groups.get(g) ?? [];
    list.push(b);
    groups.set(g, list);
    if (b !== 0) babies.add(b);
  }
  const giantSteps = [...groups.keys()].filter((g) => g !== 0).map((g) => g * n1);
  return { slots, babyStride: n1, groups, babySteps: [...babies].sort((a, b) => a - b), giantSteps: giantSteps.sort((a, b) => a - b), negativeFrom };
}

/**
 * The BSGS split of the diagonal indices (each in [0, slots)) minimising the number of key switches
 * (#baby rotations + #giant rotations) over power-of-two strides, ties going to fewer giant rotations; or the
 * stride given as `options.babyStride`.
 */
export function planBsgs(indices: readonly number[], slots: number, options: { babyStride?: number } = {}): BsgsPlan {
  if (typeof options !== 'object' || options === null) throw new TypeError('planBsgs: options must be an object { babyStride }');
  const { babyStride } = options;
  if (indices.length === 0) throw new RangeError('planBsgs: the transform has no non-zero diagonal');
  for (const k of indices) if (!Number.isInteger(k) || k < 0 || k >= slots) throw new RangeError(`planBsgs: diagonal index ${k} outside [0, ${slots})`);
  if (babyStride !== undefined) {
    if (!Number.isInteger(babyStride) || babyStride < 1 || (babyStride & (babyStride - 1)) !== 0 || babyStride > slots) {
      throw new RangeError(`planBsgs: baby stride must be a power of two in [1, ${slots}]`);
    }
    return planFor(indices, slots, babyStride);
  }
  // Fewest key switches; among equals, fewest giant steps (each giant step also needs its own decomposition,
  // while all baby steps share one: at N = 2^14 with dnum = 8 a giant step costs ≈ 3× a baby step).
  let best: BsgsPlan | undefined;
  for (let n1 = 1; n1 <= slots; n1 *= 2) {
    const p = planFor(indices, slots, n1);
    if (best === undefined || cheaperPlan(p, best)) best = p;
  }
  return best!;
}

/** Key switches one evaluation performs: one hoisted decomposition serves all baby steps. */
export function keySwitchCount(plan: BsgsPlan): number {
  return plan.babySteps.length + plan.giantSteps.length;
}

function rotateVector(v: SlotVector, steps: number, slots: number): SlotVector {
  const r = (x: Float64Array) => {
    const out = new Float64Array(slots);
    for (let i = 0; i < slots; i++) out[i] = x[(((i + steps) % slots) + slots) % slots]!;
    return out;
  };
  return v instanceof Float64Array ? r(v) : { re: r(v.re), im: r(v.im) };
}

export interface LinearTransformOptions {
  /** Level of the ciphertexts it will be applied to (default: the top level). */
  level?: number;
  /** Scale of the encoded diagonals (default: q_level, so that one rescale restores the input scale exactly). */
  scale?: number;
  /** Force a baby-step stride (default: the cheapest). */
  babyStride?: number;
  /**
   * 'double' (default): baby and giant rotations accumulate in the extended basis Q_ℓ ∪ P (fewer ModDowns;
   * diagonals stored over Q_ℓ ∪ P, |P| limbs more each). 'single': every rotation is brought back to Q_ℓ.
   * 'mixed': baby rotations brought back to Q_ℓ (one ModDown pair each), so the plaintext products run over the
   * ℓ + 1 limbs of Q_ℓ only, with diagonals in Shoup form (twice their words, 1.5× faster products,
   * `plaintextProducts.ts`; with fewer than N/2 slots stored one word per run of N/(2·slots) equal entries, that
   * many times smaller); giant rotations summed in the extended basis with one final ModDown
   * (`Evaluator.rotateSum`). Cheapest when there are many diagonals per baby step and |P| is large against ℓ + 1
   * (e.g. one key-switching digit); with a thread pool the giant groups are split across threads.
   */
  hoisting?: 'single' | 'double' | 'mixed';
  /**
   * 'double' only: keep each diagonal as its message polynomial's 2n float64 coefficients (`Encoder.prepareOperand`)
   * and encode it when an evaluation uses it. Bootstrapping's DFT stages at N = 2^16 hold ≈ 3 GB encoded, ≈ 60×
   * less compact, at the cost of one encoding (ℓ + 1 + |P| NTTs) per diagonal per evaluation. Same results.
   */
  compact?: boolean;
}

/**
 * acc += x ⊙ d over Q_ℓ ∪ P for a diagonal d encoded at `dScale`, stored in Montgomery form (one fused kernel per
 * limb). acc must be at x's level and slot count with scale x.scale·dScale (checked). The sum is lazy (residues
 * in [0, 2q)) until `polyReduceLazy`.
 */
function mulAccumulateExtended(x: ExtendedCiphertext, d: RnsPoly, dScale: number, acc: ExtendedCiphertext): void {
  if (x.level !== acc.level || x.slots !== acc.slots || x.scale * dScale !== acc.scale) {
    throw new CkksError('SCALE_MISMATCH', `LinearTransform: a term at level ${x.level}, ${x.slots} slots, scale 2^${Math.log2(x.scale * dScale).toFixed(3)} added to an accumulator at level ${acc.level}, ${acc.slots} slots, scale 2^${Math.log2(acc.scale).toFixed(3)}`);
  }
  const moduli = d.basis.moduli;
  for (let i = 0; i < moduli.length; i++) {
    const m = moduli[i]!;
    const di = d.limb(i);
    mulMontgomeryAccumulate2(di, x.c0.limb(i), x.c1.limb(i), acc.c0.limb(i), acc.c1.limb(i), m.value, m.montgomeryNegInverse);
  }
}

/** A plaintext matrix encoded once (pre-rotated diagonals at one level and scale), reusable on many ciphertexts. */
export class LinearTransform {
  readonly plan: BsgsPlan;
  readonly level: number;
  readonly scale: number;
  readonly slots: number;
  readonly hoisting: 'single' | 'double' | 'mixed';
  /**
   * giant index g → baby offset b → diagonal: a Plaintext (single), a Montgomery-form poly over Q_ℓ ∪ P (double) or
   * a Shoup-form poly over Q_ℓ (mixed).
   */
  private readonly encoded: Map<number, Map<number, Plaintext | RnsPoly | ShoupPlaintext | PreparedOperand>>;

  private constructor(plan: BsgsPlan, level: number, scale: number, hoisting: 'single' | 'double' | 'mixed',
    encoded: Map<number, Map<number, Plaintext | RnsPoly | ShoupPlaintext | PreparedOperand>>, private readonly encoder: Encoder) {
    this.plan = plan;
    this.level = level;
    this.scale = scale;
    this.slots = plan.slots;
    this.hoisting = hoisting;
    this.encoded = encoded;
  }

  /**
   * Encodes the pre-rotated diagonals of `matrix`, real or complex (a complex diagonal {re, im} is encoded as the
   * complex slot vector re + i·im; the slot-wise plaintext product is then the complex product).
   */
  static create(encoder: Encoder, matrix: DiagonalMatrix, options: LinearTransformOptions = {}): LinearTransform {
    const ctx = encoder.context;
    const level = options.level ?? ctx.maxLevel;
    ctx.checkLevel(level);
    const slots = matrix.slots;
    if (slots > ctx.params.maxSlots) throw new RangeError(`LinearTransform: ${slots} slots exceed N/2 = ${ctx.params.maxSlots}`);
    const scale = options.scale ?? Number(ctx.params.Q[level]!);
    const hoisting = options.hoisting ?? 'double';
    if (hoisting !== 'single' && hoisting !== 'double' && hoisting !== 'mixed') throw new RangeError(`LinearTransform: hoisting must be 'single' or 'double' or 'mixed', got ${String(hoisting)}`);
    checkDiagonalMatrix(matrix, 'LinearTransform');
    const plan = planBsgs([...matrix.diagonals.keys()], slots, { babyStride: options.babyStride });
    const compact = options.compact ?? false;
    if (compact && hoisting !== 'double') throw new RangeError(`LinearTransform: compact diagonals need 'double' hoisting, not '${hoisting}'`);
    const encoded = new Map<number, Map<number, Plaintext | RnsPoly | ShoupPlaintext | PreparedOperand>>();
    // a message in `slots` slots is constant on runs of N/(2·slots) evaluation entries (plaintextProducts.ts)
    const blockLog = slotRunLog(ctx.ringDegree, slots);
    for (const [k, d] of matrix.diagonals) {
      const [g, b] = splitIndex(k, plan);
      const rotated = rotateVector(d, -g * plan.babyStride, slots);
      const group = encoded.get(g) ?? new Map<number, Plaintext | RnsPoly | ShoupPlaintext | PreparedOperand>();
      const encodeOptions = { level, scale, slots };
      group.set(b, compact ? encoder.prepareOperand(rotated, { ...encodeOptions, extended: true })
        : hoisting === 'double' ? encoder.encodeOperand(rotated, { ...encodeOptions, extended: true })
        : hoisting === 'mixed' ? compactShoupForm(encoder.encodeExtended(rotated, encodeOptions), blockLog) : encoder.encode(rotated, encodeOptions));
      encoded.set(g, group);
    }
    return new LinearTransform(plan, level, scale, hoisting, encoded, encoder);
  }

  /**
   * Bytes held by the encoded diagonals (residues, plus Shoup companions for 'mixed'; compact ones count their float64
   * coefficients). 'mixed' transforms on fewer than N/2 slots store one word per run of N/(2·slots) equal entries.
   */
  get encodedBytes(): number {
    let bytes = 0;
    for (const group of this.encoded.values()) {
      for (const d of group.values()) {
        if (d instanceof ShoupPlaintext) bytes += (d.values.length + d.shoup.length) * 8;
        else if (d instanceof RnsPoly) bytes += d.data.length * 8;
        else if (isPrepared(d)) bytes += d.coefficients.length * 8;
        else bytes += d.poly.data.length * 8;
      }
    }
    return bytes;
  }

  /** The rotation steps whose Galois keys evaluation needs — exactly these, no more. */
  rotationSteps(): number[] {
    return [...new Set([...this.plan.babySteps, ...this.plan.giantSteps])].sort((a, b) => a - b);
  }

  /**
   * y = M·x. `ct` must be at this transform's level with the same slot count. The result has scale
   * ct.scale · this.scale and is NOT rescaled (call `evaluator.rescale`; with the default scale q_ℓ the scale
   * then returns exactly to ct.scale), unless `options.rescale`: then it is rescaled (level ℓ − 1, scale
   * ct.scale · this.scale / q_ℓ), with 'mixed' hoisting in the same division as the giant steps' ModDown
   * (`rotateSumRescale`, ℓ + 1 fewer NTTs per polynomial). Throws MISSING_KEY if a planned key is absent.
   */
  evaluate(evaluator: CircuitEvaluator, ct: Ciphertext, options: { rescale?: boolean } = {}): Ciphertext {
    if (typeof options !== 'object' || options === null) throw new TypeError('LinearTransform.evaluate: options must be an object such as { rescale: true }');
    const rescale = options.rescale ?? false;
    if (typeof rescale !== 'boolean') throw new TypeError(`LinearTransform.evaluate: options.rescale must be a boolean, got ${String(rescale)}`);
    if (ct.level !== this.level) {
      throw new CkksError('LEVEL_MISMATCH', `LinearTransform: encoded for level ${this.level}, ciphertext at level ${ct.level}`);
    }
    if (ct.slots !== this.slots) throw new CkksError('INCOMPATIBLE_PARAMETERS', `LinearTransform: ${this.slots} slots vs ciphertext's ${ct.slots}`);
    evaluator.context.assertSameParameters(ct.context, 'LinearTransform');
    const missing = this.rotationSteps().filter((s) => !evaluator.hasRotationKey(s));
    if (missing.length > 0) throw new CkksError('MISSING_KEY', `LinearTransform: no Galois keys for rotations ${missing.join(', ')}`);
    if (this.hoisting === 'mixed') return this.evaluateMixed(evaluator, ct, rescale);
    const y = this.hoisting === 'double' ? this.evaluateDouble(evaluator, ct) : this.evaluateSingle(evaluator, ct);
    if (!rescale) return y;
    const r = evaluator.rescale(y);
    releasePoly(...y.parts);
    return r;
  }

  private evaluateMixed(evaluator: CircuitEvaluator, ct: Ciphertext, rescale: boolean): Ciphertext {
    const ctx = evaluator.context;
    // babies (P·c_0 over Q_ℓ ∪ P, c_1 over Q_ℓ); step 0's first part is P·c_0, zero on the limbs of P
    const babies = evaluator.rotateHoistedHalfExtended(ct, [0, ...this.plan.babySteps]);
    const basis = ctx.levelBasis(this.level);
    const basisQP = ctx.levelBasisQP(this.level);
    const groups = [...this.encoded].map(([g, group]) => ({
      steps: g * this.plan.babyStride,
      terms: [...group].map(([b, d]) => {
        const baby = babies.get(b)!;
        return { w: d as ShoupPlaintext, c0: baby.c0, c1: baby.c1, zeroP: b === 0 };
      }),
      acc0: new RnsPoly(basisQP, 'evaluation'),
      acc1: new RnsPoly(basis, 'evaluation'),
    }));
    const products = groups.reduce((n, g) => n + g.terms.length, 0);
    const job = jobFor(ctx, (products * basisQP.size) / 2);
    const blockLog = slotRunLog(ctx.ringDegree, this.slots);
    if (job !== undefined) {
      plainDotSplit(job, this.level, blockLog, groups);
    } else {
      for (const { terms, acc0, acc1 } of groups) {
        for (let i = 0; i < basis.size; i++) {
          plaintextDotLimb(terms.map((t) => t.w.limb(i)), terms.map((t) => t.w.shoupLimb(i)), terms.map((t) => t.c0.limb(i)), terms.map((t) => t.c1.limb(i)), acc0.limb(i), acc1.limb(i), basis.moduli[i]!, blockLog);
        }
        const lifted = terms.filter((t) => !t.zeroP);
        for (let i = basis.size; i < basisQP.size; i++) {
          plaintextDotLimb1(lifted.map((t) => t.w.limb(i)), lifted.map((t) => t.w.shoupLimb(i)), lifted.map((t) => t.c0.limb(i)), acc0.limb(i), basisQP.moduli[i]!, blockLog);
        }
      }
    }
    // the babies are dead once the products are summed (step 0's first part is one polynomial for all of them)
    releaseCiphertexts(babies.values());
    const scale = ct.scale * this.scale;
    const terms = groups.map(({ steps, acc0, acc1 }) => ({ ciphertext: new HalfExtendedCiphertext(ctx, this.level, acc0, acc1, scale, this.slots), steps }));
    const result = rescale ? evaluator.rotateSumRescale(terms) : evaluator.rotateSum(terms);
    for (const { acc0, acc1 } of groups) releasePoly(acc0, acc1);
    return result;
  }

  private evaluateSingle(evaluator: CircuitEvaluator, ct: Ciphertext): Ciphertext {
    const babies = evaluator.rotateHoisted(ct, this.plan.babySteps);
    babies.set(0, ct);
    let result: Ciphertext | undefined;
    for (const [g, group] of this.encoded) {
      let acc: Ciphertext | undefined;
      for (const [b, pt] of group) {
        const term = evaluator.mulPlain(babies.get(b)!, pt as Plaintext);
        acc = acc === undefined ? term : evaluator.add(acc, term, acc);
      }
      if (g !== 0) acc = evaluator.rotateHoisted(acc!, [g * this.plan.babyStride]).get(g * this.plan.babyStride)!;
      result = result === undefined ? acc! : evaluator.add(result, acc!, result);
    }
    return result!;
  }

  /** A double-hoisted diagonal as the product kernels take it (compact ones encoded now, then dropped). */
  private operand(d: Plaintext | RnsPoly | ShoupPlaintext | PreparedOperand): RnsPoly {
    const w = isPrepared(d) ? this.encoder.materializeOperand(d) : (d as RnsPoly);
    w.requireMontgomery(true, 'LinearTransform (double-hoisted diagonal)');
    return w;
  }

  private evaluateDouble(evaluator: CircuitEvaluator, ct: Ciphertext): Ciphertext {
    // every term and accumulator has the output's scale ct.scale·this.scale (checked as terms are added)
    const zero = (): ExtendedCiphertext => ExtendedCiphertext.zero(evaluator.context, this.level, ct.scale * this.scale, this.slots);
    const babies = evaluator.rotateHoistedExtended(ct, [0, ...this.plan.babySteps]);
    const size = evaluator.context.levelBasisQP(this.level).size;
    const diagonals = [...this.encoded.values()].reduce((n, g) => n + g.size, 0);
    const job = jobFor(evaluator.context, (diagonals * size) / 2);
    if (job !== undefined) {
      // with a thread pool: the products by (group, limb), then the giant rotations one per thread (rotateSumExtended);
      // the same residues as below (sums mod q in another order)
      const groups = [...this.encoded].map(([g, group]) => {
        const acc = zero();
        const terms = [...group].map(([b, d]) => ({ w: this.operand(d), c0: babies.get(b)!.c0, c1: babies.get(b)!.c1 }));
        return { steps: g * this.plan.babyStride, acc, terms, acc0: acc.c0, acc1: acc.c1 };
      });
      plainDotMontgomerySplit(job, this.level, size, groups);
      for (const baby of babies.values()) releasePoly(baby.c0, baby.c1);
      const sum = evaluator.rotateSumExtended(groups.map(({ acc, steps }) => ({ ciphertext: acc, steps })));
      for (const { acc } of groups) releasePoly(acc.c0, acc.c1);
      const out = evaluator.modDownExtended(sum);
      releasePoly(sum.c0, sum.c1);
      return out;
    }
    const result = zero();
    for (const [g, group] of this.encoded) {
      // the group without giant rotation accumulates straight into the result
      const acc = g === 0 ? result : zero();
      for (const [b, d] of group) mulAccumulateExtended(babies.get(b)!, this.operand(d), this.scale, acc);
      polyReduceLazy(acc.c0);
      polyReduceLazy(acc.c1);
      if (g !== 0) {
        evaluator.rotateAccumulateExtended(acc, g * this.plan.babyStride, result);
        releasePoly(acc.c0, acc.c1);
      }
    }
    for (const baby of babies.values()) releasePoly(baby.c0, baby.c1);
    const out = evaluator.modDownExtended(result);
    releasePoly(result.c0, result.c1);
    return out;
  }
}

/** A mixed-hoisting diagonal: Shoup form, one word per run of equal evaluation entries; the encoding is handed back. */
function compactShoupForm(p: RnsPoly, blockLog: number): ShoupPlaintext {
  const w = shoupForm(p, blockLog);
  releasePoly(p);
  return w;
}

/** A double-hoisted diagonal, encoded now if it is kept compact. */
function isPrepared(d: unknown): d is PreparedOperand {
  return typeof d === 'object' && d !== null && (d as PreparedOperand).coefficients instanceof Float64Array;
}

/** The union of the rotation steps a set of transforms needs: generate exactly these Galois keys. */
export function rotationKeysFor(transforms: readonly LinearTransform[]): number[] {
  return [...new Set(transforms.flatMap((t) => t.rotationSteps()))].sort((a, b) => a - b);
}
