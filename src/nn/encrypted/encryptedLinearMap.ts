/**
 * Homomorphic evaluation of a packed linear map (slotLinearMap.ts) with baby-step/giant-step hoisting
 * (Halevi–Shoup 2018) over several input and output ciphertexts:
 *
 *   y_m = fold( Σ_g rot( Σ_c Σ_b rot(d_{m,c,g+b}, −g) ⊙ rot(x_c, b), g ) ) + bias_m
 *
 * The baby rotations of each input share one key-switching decomposition and serve every output; the giant
 * rotations of each output act on the sum over all inputs (so a residual block's conv2 and its shortcut share
 * them). 'double' hoisting (Bossuat et al. 2021, §3.3) keeps babies, products and giant sums in the extended basis
 * Q_ℓ ∪ P and divides by P once per output; 'single' brings every rotation back to Q_ℓ, so diagonals need no P
 * limbs (cheaper products and storage when P is large). One level: diagonals are encoded at scale
 * S·q_ℓ/s_c for input c (scale s_c) so every product has scale S·q_ℓ and one rescale gives exactly the
 * requested output scale S.
 *
 * Every intermediate (rotated babies, giant accumulators, diagonals encoded on the fly, the unfolded outputs) goes
 * back to the thread pool's recycler as soon as it is dead (circuits/temporaries.ts): a network's layers then run on
 * reused shared memory instead of fresh pages. The inputs and the returned ciphertexts are never released.
 */
import { CkksError } from '../../ckks/errors.js';
import type { Encoder } from '../../ckks/scheme/encoder.js';
import type { Evaluator } from '../../ckks/scheme/evaluator.js';
import { Ciphertext, ExtendedCiphertext, type Plaintext } from '../../ckks/scheme/plaintext.js';
import { pinScale } from '../../ckks/scheme/scale.js';
import { RnsPoly, polyAdd, polyReduceLazy, releasePoly } from '../../ckks/ring/rnsPoly.js';
import { releaseCiphertexts } from '../../ckks/circuits/temporaries.js';
import { rotateAddChain } from '../../ckks/circuits/rotateAdd.js';
import { mulMontgomeryAccumulate2 } from '../../ckks/ring/modularKernels.js';
import type { PlaintextStore } from './plaintextStore.js';
import {
  type MapPlan, type OutputMode, type PlanOptions, type SlotLinearMap, diagonalCount, planKeySwitches, planMap, planRotationSteps, rotateSlots,
} from './slotLinearMap.js';

/** How a map is evaluated. */
export interface LinearMapOptions extends PlanOptions {
  /** Level of the inputs (the output is one level lower). */
  readonly level: number;
  /** Scale of each input ciphertext. */
  readonly inputScales: readonly number[];
  /** Scale of the outputs (exact after the rescale). */
  readonly outputScale: number;
  /** Default 'double'. */
  readonly hoisting?: 'single' | 'double';
  /**
   * Keep the float64 diagonals after planning (default true). With false they are rebuilt when encoding and dropped
   * again afterwards unless every diagonal is held in a store — for networks whose diagonals take gigabytes.
   */
  readonly keepMap?: boolean;
}

interface Term {
  readonly c: number;
  readonly b: number;
  readonly k: number;
}

/** acc += x ⊙ d limb by limb (d in Montgomery form, lazy accumulators in [0, 2q)). */
function mulAccumulate(d: RnsPoly, x0: RnsPoly, x1: RnsPoly, acc0: RnsPoly, acc1: RnsPoly): void {
  d.requireMontgomery(true, 'EncryptedLinearMap (diagonal)');
  const moduli = d.basis.moduli;
  for (let i = 0; i < moduli.length; i++) {
    const m = moduli[i]!;
    mulMontgomeryAccumulate2(d.limb(i), x0.limb(i), x1.limb(i), acc0.limb(i), acc1.limb(i), m.value, m.montgomeryNegInverse);
  }
}

/** A packed linear map prepared for one level and scales: plan, key steps, (budgeted) encoded diagonals. */
export class EncryptedLinearMap {
  readonly plan: MapPlan;
  readonly level: number;
  readonly inputScales: readonly number[];
  readonly outputScale: number;
  readonly hoisting: 'single' | 'double';
  readonly diagonals: number;
  readonly outputs: number;
  readonly outputMode: OutputMode;
  /** Per output: giant g → its terms. */
  private readonly groups: Map<number, Term[]>[];
  private map: SlotLinearMap | undefined;
  private readonly keepMap: boolean;
  /** Milliseconds of the last evaluation by part (encode: on-the-fly encodings inside the products). */
  readonly lastTimes = { babies: 0, products: 0, encode: 0, giants: 0, fold: 0 };
  private biasPlaintexts: (Plaintext | undefined)[] | undefined;

  constructor(readonly name: string, private readonly build: () => SlotLinearMap, options: LinearMapOptions) {
    const map = build();
    this.map = options.keepMap === false ? undefined : map;
    if (options.inputScales.length !== map.inputPeriods.length) throw new RangeError(`${name}: ${options.inputScales.length} input scales for ${map.inputPeriods.length} inputs`);
    // a giant rotation costs ≈ 3 hoisted extended babies, but ≈ 1.3 babies that are each brought back to Q_ℓ
    this.plan = planMap(map, { ...options, giantCost: options.giantCost ?? ((options.hoisting ?? 'double') === 'double' ? 3 : 1.3) });
    this.level = options.level;
    this.inputScales = [...options.inputScales];
    this.outputScale = options.outputScale;
    this.hoisting = options.hoisting ?? 'double';
    this.keepMap = options.keepMap ?? true;
    this.diagonals = diagonalCount(map);
    this.outputs = map.outputs;
    this.outputMode = map.outputMode;
    this.groups = map.diagonals.map((row) => {
      const byGiant = new Map<number, Term[]>();
      row.forEach((diags, c) => {
        for (const k of diags.keys()) {
          const [g, b] = this.plan.splits[c]!.get(k)!;
          const list = byGiant.get(g) ?? [];
          list.push({ c, b, k });
          byGiant.set(g, list);
        }
      });
      return byGiant;
    });
  }

  /** The Galois keys (rotation steps in [0, slots)) evaluation needs: exactly these. */
  rotationSteps(): number[] {
    return planRotationSteps(this.plan);
  }

  /**
   * The highest level each rotation step is used at (babies and giants at the input level, the fold one level
   * lower): keys restricted to these levels (scheme/levelledKeys.ts) suffice.
   */
  rotationKeyLevels(): Map<number, number> {
    const out = new Map<number, number>();
    const n = this.plan.slots;
    const put = (k: number, level: number) => {
      const s = ((k % n) + n) % n;
      if (s !== 0) out.set(s, Math.max(out.get(s) ?? -1, level));
    };
    for (const list of [...this.plan.babies, ...this.plan.giants]) for (const k of list) put(k, this.level);
    for (const k of this.plan.fold) put(k, this.level - 1);
    return out;
  }

  /** Key switches of one evaluation (hoisted babies + giants + conjugations + fold). */
  get keySwitches(): number {
    return planKeySwitches(this.plan, this.outputMode);
  }

  /** The level the conjugation key is needed at ('real' and 'realImag' maps), or undefined. */
  conjugationLevel(): number | undefined {
    return this.outputMode === 'plain' ? undefined : this.level - 1;
  }

  /** Bytes of all encoded diagonals at N slots·2 words (limbs of Q_ℓ, plus P for double hoisting). */
  plaintextBytes(encoder: Encoder): number {
    const ctx = encoder.context;
    const limbs = this.level + 1 + (this.hoisting === 'double' ? ctx.params.P.length : 0);
    return this.diagonals * limbs * ctx.ringDegree * 8;
  }

  private getMap(): SlotLinearMap {
    this.map ??= this.build();
    return this.map;
  }

  /** Drops the float64 diagonals (rebuilt on demand for on-the-fly encoding). */
  releaseMap(): void {
    this.map = undefined;
  }

  private key(m: number, t: Term): string {
    return `${this.name}/${m}/${t.c}/${t.k}`;
  }

  private encodeDiagonal(encoder: Encoder, m: number, g: number, t: Term): RnsPoly {
    const ctx = encoder.context;
    const map = this.getMap();
    const d = map.diagonals[m]![t.c]!.get(t.k)!;
    const im = map.imaginary?.[m]?.[t.c]?.get(t.k);
    const q = Number(ctx.params.Q[this.level]!);
    const options = { level: this.level, scale: (this.outputScale * q) / this.inputScales[t.c]!, slots: map.slots };
    const rot = (v: Float64Array) => (g === 0 ? v : rotateSlots(v, -g));
    const values = im === undefined ? rot(d) : { re: rot(d), im: rot(im) };
    return encoder.encodeOperand(values, { ...options, extended: this.hoisting === 'double' });
  }

  /** Encodes diagonals into `store` until its budget is full; returns how many are held. */
  prepare(encoder: Encoder, store: PlaintextStore): number {
    let held = 0;
    this.groups.forEach((byGiant, m) => {
      for (const [g, terms] of byGiant) {
        for (const t of terms) {
          const key = this.key(m, t);
          if (store.has(key, this)) {
            held++;
            continue;
          }
          const limbs = this.level + 1 + (this.hoisting === 'double' ? encoder.context.params.P.length : 0);
          if (!store.fits(limbs * encoder.context.ringDegree * 8)) continue;
          if (store.offer(key, this.encodeDiagonal(encoder, m, g, t), this)) held++;
        }
      }
    });
    this.encodeBias(encoder);
    if (!this.keepMap) this.releaseMap();
    return held;
  }

  private encodeBias(encoder: Encoder): (Plaintext | undefined)[] {
    this.biasPlaintexts ??= this.getMap().bias.map((b) => (b === undefined ? undefined : encoder.encode(b, { level: this.level - 1, scale: this.outputScale, slots: b.length })));
    return this.biasPlaintexts;
  }

  /** The encoded diagonal: the store's (kept), or encoded now (`onTheFly`: the caller releases it after its product). */
  private diagonal(encoder: Encoder, store: PlaintextStore | undefined, m: number, g: number, t: Term): { poly: RnsPoly; onTheFly: boolean } {
    const held = store?.get(this.key(m, t), this);
    if (held !== undefined) return { poly: held, onTheFly: false };
    const t0 = performance.now();
    const poly = this.encodeDiagonal(encoder, m, g, t);
    const dt = performance.now() - t0;
    this.lastTimes.encode += dt;
    if (store !== undefined) {
      store.onTheFly++;
      store.onTheFlyMs += dt;
    }
    return { poly, onTheFly: true };
  }

  /** Σ d ⊙ x over the terms of one giant group into (acc0, acc1); diagonals encoded on the fly are released. */
  private accumulateTerms(encoder: Encoder, store: PlaintextStore | undefined, m: number, g: number, terms: readonly Term[],
    baby: (t: Term) => { c0: RnsPoly; c1: RnsPoly }, acc0: RnsPoly, acc1: RnsPoly): void {
    for (const t of terms) {
      const x = baby(t);
      const d = this.diagonal(encoder, store, m, g, t);
      mulAccumulate(d.poly, x.c0, x.c1, acc0, acc1);
      if (d.onTheFly) releasePoly(d.poly);
    }
    // lazy accumulators ([0, 2q)) back to [0, q) before anything adds to them or reads them
    polyReduceLazy(acc0);
    polyReduceLazy(acc1);
  }

  /** y = map(x) for inputs at `level` with the declared scales; outputs at level − 1, scale `outputScale`. */
  evaluate(evaluator: Evaluator, encoder: Encoder, inputs: readonly Ciphertext[], store?: PlaintextStore): Ciphertext[] {
    if (inputs.length !== this.inputScales.length) throw new RangeError(`${this.name}: ${inputs.length} inputs, expected ${this.inputScales.length}`);
    inputs.forEach((x, c) => {
      if (x.level !== this.level) throw new CkksError('LEVEL_MISMATCH', `${this.name}: input ${c} at level ${x.level}, prepared for ${this.level}`);
      if (x.scale !== this.inputScales[c]) throw new CkksError('SCALE_MISMATCH', `${this.name}: input ${c} has scale 2^${Math.log2(x.scale)}, prepared for 2^${Math.log2(this.inputScales[c]!)}`);
      if (x.slots !== this.plan.slots) throw new CkksError('INCOMPATIBLE_PARAMETERS', `${this.name}: ${x.slots} slots, prepared for ${this.plan.slots}`);
    });
    const missing = this.rotationSteps().filter((s) => !evaluator.hasRotationKey(s));
    if (missing.length > 0) throw new CkksError('MISSING_KEY', `${this.name}: no Galois keys for rotations ${missing.join(', ')}`);
    const q = Number(evaluator.context.params.Q[this.level]!);
    Object.assign(this.lastTimes, { babies: 0, products: 0, encode: 0, giants: 0, fold: 0 });
    const raw = this.hoisting === 'double' ? this.evaluateDouble(evaluator, encoder, inputs, store, q) : this.evaluateSingle(evaluator, encoder, inputs, store, q);
    const bias = this.encodeBias(encoder);
    if (!this.keepMap) this.releaseMap();
    this.lastTimes.products -= this.lastTimes.encode;
    const results: Ciphertext[] = [];
    for (const ct of raw) {
      // (S·q_ℓ)/q_ℓ in floating point may differ from S in the last bit: pinned to the planned S (scale.ts)
      const y = pinScale(evaluator.rescale(ct), this.outputScale, this.name);
      releaseCiphertexts([ct], inputs);
      if (this.outputMode === 'plain') {
        results.push(y);
        continue;
      }
      const t0 = performance.now();
      const c = evaluator.conjugate(y);
      results.push(evaluator.add(y, c));
      // −i·(acc − conj(acc)): multiplying by the monomial −X^{N/2} (the constant −i at scale 1) is exact
      if (this.outputMode === 'realImag') {
        const d = evaluator.sub(y, c);
        results.push(evaluator.mulConstant(d, { re: 0, im: -1 }, { constantScale: 1 }));
        releaseCiphertexts([d], [...inputs, ...results]);
      }
      releaseCiphertexts([y, c], [...inputs, ...results]);
      this.lastTimes.fold += performance.now() - t0;
    }
    return results.map((r, i) => {
      let y = r;
      const t0 = performance.now();
      if (this.plan.fold.length > 0) {
        const folded = rotateAddChain(evaluator, y, this.plan.fold);
        releaseCiphertexts([y], [...inputs, folded]);
        y = folded;
      }
      this.lastTimes.fold += performance.now() - t0;
      const b = bias[i];
      if (b === undefined) return y;
      const out = evaluator.add(y, b);
      releaseCiphertexts([y], [...inputs, out]);
      return out;
    });
  }

  private evaluateDouble(evaluator: Evaluator, encoder: Encoder, inputs: readonly Ciphertext[], store: PlaintextStore | undefined, q: number): Ciphertext[] {
    const scale = this.outputScale * q;
    const zero = (): ExtendedCiphertext => ExtendedCiphertext.zero(evaluator.context, this.level, scale, this.plan.slots);
    const times = this.lastTimes;
    let t0 = performance.now();
    const babies = inputs.map((x, c) => evaluator.rotateHoistedExtended(x, [0, ...this.plan.babies[c]!]));
    times.babies += performance.now() - t0;
    const outputs = this.groups.map((byGiant, m) => {
      const result = zero();
      for (const [g, terms] of [...byGiant].sort((a, b) => a[0] - b[0])) {
        t0 = performance.now();
        const acc = g === 0 ? result : zero();
        this.accumulateTerms(encoder, store, m, g, terms, (t) => babies[t.c]!.get(t.b)!, acc.c0, acc.c1);
        times.products += performance.now() - t0;
        t0 = performance.now();
        if (g !== 0) {
          evaluator.rotateAccumulateExtended(acc, g, result);
          releaseCiphertexts([acc]);
        }
        times.giants += performance.now() - t0;
      }
      t0 = performance.now();
      const y = evaluator.modDownExtended(result);
      releaseCiphertexts([result]);
      times.giants += performance.now() - t0;
      return y;
    });
    releaseCiphertexts(babies.flatMap((b) => [...b.values()]));
    return outputs;
  }

  private evaluateSingle(evaluator: Evaluator, encoder: Encoder, inputs: readonly Ciphertext[], store: PlaintextStore | undefined, q: number): Ciphertext[] {
    const ctx = evaluator.context;
    const basis = ctx.levelBasis(this.level);
    const times = this.lastTimes;
    let t0 = performance.now();
    const babies = inputs.map((x, c) => {
      const r = evaluator.rotateHoisted(x, this.plan.babies[c]!);
      r.set(0, x);
      return r;
    });
    times.babies += performance.now() - t0;
    const scale = this.outputScale * q;
    const outputs = this.groups.map((byGiant, m) => {
      const result = new Ciphertext(ctx, [new RnsPoly(basis, 'evaluation'), new RnsPoly(basis, 'evaluation')], scale, this.plan.slots);
      for (const [g, terms] of [...byGiant].sort((a, b) => a[0] - b[0])) {
        t0 = performance.now();
        const acc = g === 0 ? result : new Ciphertext(ctx, [new RnsPoly(basis, 'evaluation'), new RnsPoly(basis, 'evaluation')], scale, this.plan.slots);
        this.accumulateTerms(encoder, store, m, g, terms, (t) => {
          const x = babies[t.c]!.get(t.b)!;
          return { c0: x.parts[0]!, c1: x.parts[1]! };
        }, acc.parts[0]!, acc.parts[1]!);
        times.products += performance.now() - t0;
        t0 = performance.now();
        if (g !== 0) {
          const r = evaluator.rotateHoisted(acc, [g]).get(g)!;
          polyAdd(result.parts[0]!, r.parts[0]!, result.parts[0]!);
          polyAdd(result.parts[1]!, r.parts[1]!, result.parts[1]!);
          releaseCiphertexts([acc, r]);
        }
        times.giants += performance.now() - t0;
      }
      return result;
    });
    // the babies of step 0 are the inputs themselves
    releaseCiphertexts(babies.flatMap((b) => [...b.values()]), inputs);
    return outputs;
  }
}

/** Rotate-and-add steps x ← x + rot(x, s) (window sums, replication), no level. */
export class RotateAddChain {
  constructor(readonly name: string, readonly steps: readonly number[], readonly slots: number) {}

  /** Every step at `level` (the chain runs at one level). */
  rotationKeyLevels(level: number): Map<number, number> {
    return new Map(this.rotationSteps().map((s) => [s, level]));
  }

  rotationSteps(): number[] {
    return [...new Set(this.steps.map((s) => ((s % this.slots) + this.slots) % this.slots).filter((s) => s !== 0))].sort((a, b) => a - b);
  }

  get keySwitches(): number {
    return this.steps.length;
  }

  evaluate(evaluator: Evaluator, x: Ciphertext): Ciphertext {
    return rotateAddChain(evaluator, x, this.steps);
  }
}

/** The union of step → level maps, keeping the highest level of each step. */
export function mergeKeyLevels(maps: readonly ReadonlyMap<number, number>[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of maps) for (const [s, l] of m) out.set(s, Math.max(out.get(s) ?? -1, l));
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/**
 * x_{2j} + i·x_{2j+1} for every pair: the complex packing of a two-ciphertext layout that paired map inputs expect
 * (i·x is the exact product with the monomial X^{N/2}: no level, no noise).
 */
export function packPairs(evaluator: Evaluator, xs: readonly Ciphertext[]): Ciphertext[] {
  if (xs.length % 2 !== 0) throw new RangeError(`packPairs: ${xs.length} ciphertexts cannot be paired`);
  const out: Ciphertext[] = [];
  for (let j = 0; j < xs.length; j += 2) {
    const imaginary = evaluator.mulConstant(xs[j + 1]!, { re: 0, im: 1 }, { constantScale: 1 });
    out.push(evaluator.add(xs[j]!, imaginary));
    releaseCiphertexts([imaginary], xs);
  }
  return out;
}
