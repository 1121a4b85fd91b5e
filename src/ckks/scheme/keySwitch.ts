/**
 * Hybrid key switching (Han–Ki 2020, "Better bootstrapping for approximate HE", §3; Kim–Polyakov–Zucca
 * 2021 for the cost analysis), in the evaluation domain.
 *
 * Given d over Q_ℓ and a key for s' → s with digits D_0 … D_{dnum−1}, returns (u_0, u_1) over Q_ℓ with
 * u_0 + u_1·s ≈ d·s':
 *  1. Decompose: for each digit j (primes of D_j ∩ Q_ℓ), d_j = [d]_{D_j} CENTRED in [−D_j/2, D_j/2), ModUp to
 *     Q_ℓ ∪ P (one inverse NTT per limb of d, one centred base conversion and one forward NTT per converted limb).
 *     Uncentred digits (in [0, D_j), or carrying the u·D_j of a fast conversion) have a mean ≈ D_j/2 per
 *     coefficient: Σ_j d_j·e_j then holds (D_j/2)·(1 + X + … + X^{N−1})·e_j, largest at the roots of unity near
 *     +1, which made rotations 16–40× noisier than products (issue 10); centred digits make it noise-like.
 *  2. Inner product with the key: (Σ_j d_j·b_j, Σ_j d_j·a_j) over Q_ℓ ∪ P.
 *  3. ModDown by P with rounding (`ModDownConverter`, the ring layer's one ModDown) — only the P limbs leave the
 *     NTT domain.
 * Noise: ≈ (max digit product / P)·√N·σ·(small constant) + k_P/2 from the ModDown rounding; the decomposition
 * (step 1) depends only on d, so it is shared by every rotation of one ciphertext (hoisting, see `decompose`).
 */
import { CkksError } from '../errors.js';
import { RnsBasis } from '../ring/rnsBasis.js';
import { RnsPoly, polyAdd, polyReduceLazy, releasePoly } from '../ring/rnsPoly.js';
import { nttForward } from '../ring/ntt.js';
import { ModUpConverter } from '../ring/baseConversion.js';
import { ModDownConverter } from '../ring/modDown.js';
import { mulMontgomeryAccumulate2, mulScalarShoup } from '../ring/modularKernels.js';
import { shoupCompanion } from '../ring/modularScalar.js';
import { mulShoupAccumulate2, mulShoupKeysAccumulate2, shoupCompanionsFast } from '../ring/plaintextProducts.js';
import type { CkksContext } from './context.js';
import { type SwitchingKey, keyCompanions } from './keys.js';
import { decomposeSplit, decompositionPhases, jobFor, keySwitchSplit, modDownPairSplit, modDownSplit } from '../parallel/schemeJobs.js';
import type { Job } from '../parallel/pool.js';

/** The ModUp-extended digits of one polynomial (evaluation form over Q_ℓ ∪ P): reusable across keys. */
export interface Decomposition {
  readonly level: number;
  readonly digits: readonly RnsPoly[];
  /**
   * Set by `KeySwitcher.hoist` for a decomposition shared by several key switches: each digit times 2^{-64} (the keys'
   * Montgomery factor) with its Shoup companions, so that every key product is a Shoup product (5 word products per
   * residue instead of Montgomery's 10; same residues).
   */
  readonly shoup?: { readonly scaled: readonly RnsPoly[]; readonly companions: readonly RnsPoly[] };
}

/** Hands a decomposition's digits (and a hoisted one's Shoup parts) back to the thread pool's recycler. */
export function releaseDecomposition(decomposition: Decomposition): void {
  releasePoly(...decomposition.digits, ...(decomposition.shoup?.scaled ?? []), ...(decomposition.shoup?.companions ?? []));
}

interface LevelTables {
  basisQP: RnsBasis;
  /** Digit j's basis and its ModUp converter to Q_ℓ ∪ P. */
  digits: { start: number; end: number; modUp: ModUpConverter }[];
  /** ModDown: division by P, keeping Q_ℓ. */
  modDown: ModDownConverter;
  /** P mod q_i and Shoup companions (lifting c over Q_ℓ to P·c over Q_ℓ ∪ P). */
  pModQ: bigint[];
  pModQShoup: bigint[];
  /** 2^{-64} mod each prime of Q_ℓ ∪ P and its Shoup companion (`hoist`). */
}

export class KeySwitcher {
  readonly context: CkksContext;
  private readonly levels = new Map<number, LevelTables>();
  /** Division by q_ℓ·P keeping Q_{ℓ−1}, by level ℓ ≥ 1 (`modDownRescale`). */
  private readonly rescaleDivisions = new Map<number, ModDownConverter>();
  /** Operation counters (for benchmarks and tests): decompositions and key inner products (= key switches). */
  readonly counters = { decompositions: 0, keySwitches: 0 };

  constructor(context: CkksContext) {
    this.context = context;
  }

  private tables(level: number): LevelTables {
    let t = this.levels.get(level);
    if (t !== undefined) return t;
    const ctx = this.context;
    const basisQP = ctx.levelBasisQP(level);
    const qBasis = ctx.levelBasis(level);
    const digits = ctx.params.digitsAtLevel(level).map(([start, end]) => (
      { start, end, modUp: new ModUpConverter(RnsBasis.fromTables(qBasis.tables.slice(start, end)), basisQP, { centered: true }) }));
    const P = ctx.params.P.reduce((a, b) => a * b, 1n);
    t = {
      basisQP,
      digits,
      modDown: new ModDownConverter(qBasis, ctx.basisP),
      pModQ: qBasis.primes.map((q) => P % q),
      pModQShoup: qBasis.primes.map((q) => shoupCompanion(P % q, q)),
    };
    this.levels.set(level, t);
    return t;
  }

  /**
   * With a pool and enough work: a job whose first phases decompose d (as `decompose`), for a caller that appends its
   * key switch (`keySwitchSplit`/`galoisSplit` with `pending`: the digits' converted limbs are transformed by the key
   * product's units) and runs the job once; then call `release`. Undefined
   * without a pool or below its cut-off (counted as the decomposition plus one key switch's products and divisions).
   */
  private decomposeInJob(d: RnsPoly): { job: Job; decomposition: Decomposition; release(): void } | undefined {
    d.requireForm('evaluation', 'keySwitch');
    const level = d.limbCount - 1;
    const t = this.tables(level);
    this.context.levelBasis(level).assertSame(d.basis, 'keySwitch');
    const job = jobFor(this.context, level + 1 + 1.25 * t.digits.length * t.basisQP.size + 2 * t.basisQP.size);
    if (job === undefined) return undefined;
    this.counters.decompositions++;
    // the digits' converted limbs stay in coefficient form: the key switch's units transform them ('switchLimb')
    const { digits, scratch } = decompositionPhases(job, this.context, d, level, t.digits.length, { forward: false });
    return { job, decomposition: { level, digits }, release: () => releasePoly(scratch, ...digits) };
  }

  /**
   * With a pool: one key switch of d with `key` as a single job — `decomposeInJob`, then `finish` appends the key
   * product and what follows (`keySwitchSplit`, `galoisSplit`, both with `pending`) and runs it; the key's limbs are
   * checked (MISSING_KEY) and the switch counted first, the decomposition released after. Undefined when the work
   * stays on this thread.
   */
  inOneJob<T>(d: RnsPoly, key: SwitchingKey, finish: (job: Job, decomposition: Decomposition, keyQ: number) => T): T | undefined {
    const split = this.decomposeInJob(d);
    if (split === undefined) return undefined;
    const { job, decomposition, release } = split;
    try {
      const keyQ = this.keyLimbsQ(decomposition, key);
      this.counters.keySwitches++;
      return finish(job, decomposition, keyQ);
    } finally {
      release();
    }
  }

  /** `inOneJob` for a key switch divided by P, or by q_ℓ·P after adding P·lift (`keySwitchSplit`). */
  private switchInOneJob(d: RnsPoly, key: SwitchingKey, divide: 'P' | 'rescale', lift?: [RnsPoly, RnsPoly], dest?: [RnsPoly, RnsPoly]): [RnsPoly, RnsPoly] | undefined {
    return this.inOneJob(d, key, (job, { level, digits }, keyQ) => keySwitchSplit(job, this.context, level, digits, key, keyQ, divide, lift, true, dest));
  }

  /** Step 1: the digits of d (evaluation form over Q_ℓ), ModUp-ed to Q_ℓ ∪ P, in evaluation form. */
  decompose(d: RnsPoly): Decomposition {
    d.requireForm('evaluation', 'keySwitch');
    this.counters.decompositions++;
    const level = d.limbCount - 1;
    const t = this.tables(level);
    this.context.levelBasis(level).assertSame(d.basis, 'keySwitch');
    const limbsQP = t.basisQP.size;
    const job = jobFor(this.context, level + 1 + t.digits.length * limbsQP);
    if (job !== undefined) return { level, digits: decomposeSplit(job, this.context, d, level, t.digits.length) };
    const coefficient = d.clone().toCoefficient();
    const n = this.context.ringDegree;
    const digits = t.digits.map(({ start, end, modUp }) => {
      const ext = new RnsPoly(t.basisQP, 'coefficient');
      const src: BigUint64Array[] = [];
      for (let i = start; i < end; i++) src.push(coefficient.limb(i));
      const dst: BigUint64Array[] = [];
      for (let i = 0; i < t.basisQP.size; i++) dst.push(ext.limb(i));
      modUp.applyLimbs(src, dst);
      // Limbs of the digit's own primes are d itself: copy the evaluation form instead of transforming.
      for (let i = 0; i < t.basisQP.size; i++) {
        if (i >= start && i < end) ext.data.set(d.data.subarray(i * n, (i + 1) * n), i * n);
        else nttForward(ext.limb(i), t.basisQP.tables[i]!);
      }
      ext.form = 'evaluation';
      return ext;
    });
    releasePoly(coefficient);
    return { level, digits };
  }

  /**
   * Prepares a decomposition that several key switches will share (hoisted rotations): every digit times 2^{-64}
   * with its Shoup companions, so that each key product x·(k·2^64) = (x·2^{-64})·(k·2^64) becomes a Shoup product
   * with the digit as the fixed operand (`mulShoupAccumulate2`, 5 word products per residue against 10 for
   * Montgomery's). Costs two passes over the digits, repaid by the second key switch; the residues of every key
   * product are unchanged. Returns a new decomposition holding the same digits; release `shoup`'s polynomials with
   * them. With a thread pool the parts travel to the workers as well.
   */
  hoist(decomposition: Decomposition): Decomposition {
    if (decomposition.shoup !== undefined) return decomposition;
    const t = this.tables(decomposition.level);
    const scaled: RnsPoly[] = [];
    const companions: RnsPoly[] = [];
    for (const digit of decomposition.digits) {
      const w = new RnsPoly(t.basisQP, 'evaluation');
      const c = new RnsPoly(t.basisQP, 'evaluation');
      for (let i = 0; i < t.basisQP.size; i++) {
        const m = t.basisQP.moduli[i]!;
        mulScalarShoup(digit.limb(i), m.rInverse, m.rInverseShoup, w.limb(i), m.value);
        shoupCompanionsFast(w.limb(i), c.limb(i), m);
      }
      scaled.push(w);
      companions.push(c);
    }
    return { level: decomposition.level, digits: decomposition.digits, shoup: { scaled, companions } };
  }

  /** Steps 2–3 for a given key: (u_0, u_1) over Q_ℓ, evaluation form. */
  applyKey(decomposition: Decomposition, key: SwitchingKey): [RnsPoly, RnsPoly] {
    const size = this.tables(decomposition.level).basisQP.size;
    const job = jobFor(this.context, (decomposition.digits.length * size) / 4 + 2 * size);
    if (job !== undefined) {
      const keyQ = this.keyLimbsQ(decomposition, key);
      this.counters.keySwitches++;
      return keySwitchSplit(job, this.context, decomposition.level, decomposition.digits, key, keyQ, 'P');
    }
    const [acc0, acc1] = this.applyKeyExtended(decomposition, key);
    const out: [RnsPoly, RnsPoly] = [this.modDown(acc0, decomposition.level), this.modDown(acc1, decomposition.level)];
    releasePoly(acc0, acc1);
    return out;
  }

  /**
   * Step 2 only: (v_0, v_1) over Q_ℓ ∪ P (evaluation form) with v_0 + v_1·s ≈ P·d·s'. Circuits that sum many
   * switched terms keep them in this basis and divide by P once at the end (`modDown`): Bossuat et al. 2021,
   * "Efficient bootstrapping for approximate HE with non-sparse keys", §3.3 (double hoisting).
   */
  applyKeyExtended(decomposition: Decomposition, key: SwitchingKey): [RnsPoly, RnsPoly] {
    const keyQ = this.keyLimbsQ(decomposition, key);
    this.counters.keySwitches++;
    const level = decomposition.level;
    const t = this.tables(level);
    const size = t.basisQP.size;
    const job = jobFor(this.context, (decomposition.digits.length * size) / 4);
    if (job !== undefined) return keySwitchSplit(job, this.context, level, decomposition.digits, key, keyQ, undefined);
    const acc0 = new RnsPoly(t.basisQP, 'evaluation');
    const acc1 = new RnsPoly(t.basisQP, 'evaluation');
    const shoup = decomposition.shoup;
    const companions = shoup === undefined ? keyCompanions(key) : undefined;
    if (companions !== undefined) {
      // a relinearisation key with its Shoup companions: Shoup products with the key fixed, then ·2^{-64} (the keys'
      // Montgomery factor) brings each sum to [0, q)
      for (let i = 0; i < size; i++) {
        const keyLimb = i <= level ? i : keyQ + (i - level - 1);
        const m = t.basisQP.moduli[i]!;
        decomposition.digits.forEach((digit, j) => {
          mulShoupKeysAccumulate2(digit.limb(i), key.b[j]!.limb(keyLimb), companions.b[j]!.limb(keyLimb), key.a[j]!.limb(keyLimb), companions.a[j]!.limb(keyLimb), acc0.limb(i), acc1.limb(i), m.value);
        });
        for (const acc of [acc0, acc1]) mulScalarShoup(acc.limb(i), m.rInverse, m.rInverseShoup, acc.limb(i), m.value);
      }
      return [acc0, acc1];
    }
    decomposition.digits.forEach((digit, j) => {
      const b = key.b[j]!;
      const a = key.a[j]!;
      for (let i = 0; i < size; i++) {
        // limb i of Q_ℓ ∪ P is limb i (i ≤ ℓ) or keyQ + (i − ℓ − 1) of the key's Q_m ∪ P
        const keyLimb = i <= level ? i : keyQ + (i - level - 1);
        const m = t.basisQP.moduli[i]!;
        if (shoup !== undefined) {
          // hoisted: (digit·2^{-64}) in Shoup form times the Montgomery-form key parts, lazily in [0, 2q)
          mulShoupAccumulate2(shoup.scaled[j]!.limb(i), shoup.companions[j]!.limb(i), b.limb(keyLimb), a.limb(keyLimb), acc0.limb(i), acc1.limb(i), m.value);
          continue;
        }
        // keys are in Montgomery form: one fused multiply-accumulate gives the plain product
        mulMontgomeryAccumulate2(digit.limb(i), b.limb(keyLimb), a.limb(keyLimb), acc0.limb(i), acc1.limb(i), m.value, m.montgomeryNegInverse);
      }
    });
    // the accumulators are lazy, in [0, 2q): one pass to [0, q)
    return [polyReduceLazy(acc0), polyReduceLazy(acc1)];
  }

  /**
   * The number of Q limbs of `key` (a key may be restricted to the levels it is used at, scheme/levelledKeys.ts:
   * limbs q_0 … q_m, P); MISSING_KEY when it cannot switch this decomposition.
   */
  keyLimbsQ(decomposition: { readonly level: number; readonly digits: { readonly length: number } }, key: SwitchingKey): number {
    const keyQ = key.b[0]!.limbCount - this.context.params.P.length;
    if (decomposition.level >= keyQ || key.b.length < decomposition.digits.length) {
      throw new CkksError('MISSING_KEY', `key switching at level ${decomposition.level} with a key generated for levels ≤ ${keyQ - 1}`);
    }
    return keyQ;
  }

  /**
   * Relinearise-and-rescale's key switch: ((v_0 + P·c_0)/(q_ℓ·P), (v_1 + P·c_1)/(q_ℓ·P)) over Q_{ℓ−1} for
   * (v_0, v_1) = applyKeyExtended(decompose(d), key) — with a pool, one job after the decomposition.
   */
  switchLiftRescale(c0: RnsPoly, c1: RnsPoly, d: RnsPoly, key: SwitchingKey): [RnsPoly, RnsPoly] {
    const split = this.switchInOneJob(d, key, 'rescale', [c0, c1]);
    if (split !== undefined) return split;
    const decomposition = this.decompose(d);
    const level = decomposition.level;
    const size = this.tables(level).basisQP.size;
    const job = jobFor(this.context, (decomposition.digits.length * size) / 4 + 2 * size);
    if (job !== undefined) {
      const keyQ = this.keyLimbsQ(decomposition, key);
      this.counters.keySwitches++;
      const out = keySwitchSplit(job, this.context, level, decomposition.digits, key, keyQ, 'rescale', [c0, c1]);
      releasePoly(...decomposition.digits);
      return out;
    }
    const [v0, v1] = this.applyKeyExtended(decomposition, key);
    releasePoly(...decomposition.digits);
    const lift0 = this.liftByP(c0);
    const lift1 = this.liftByP(c1);
    polyAdd(v0, lift0, v0);
    polyAdd(v1, lift1, v1);
    const out: [RnsPoly, RnsPoly] = [this.modDownRescale(v0, level), this.modDownRescale(v1, level)];
    releasePoly(lift0, lift1, v0, v1);
    return out;
  }

  /** `modDown` of both polynomials of a pair (with a pool, one polynomial per thread). */
  modDownPair(x0: RnsPoly, x1: RnsPoly, level: number): [RnsPoly, RnsPoly] {
    const job = jobFor(this.context, 2 * x0.limbCount);
    if (job !== undefined) {
      const basis = this.context.levelBasisQP(level);
      basis.assertSame(x0.basis, 'modDown');
      basis.assertSame(x1.basis, 'modDown');
      x0.requireForm('evaluation', 'ModDown');
      x1.requireForm('evaluation', 'ModDown');
      return modDownPairSplit(job, this.context, x0, x1, level);
    }
    return [this.modDown(x0, level), this.modDown(x1, level)];
  }

  /**
   * P·c over Q_ℓ ∪ P for c over Q_ℓ (same form): exact; its P limbs are zero. (`modDown` alone maps it to
   * c + ⌊k_P/2⌋ for k_P ≤ 2, its rounding offset; added to a key switch's output first, as in every use, it
   * is divided with that sum.)
   */
  liftByP(c: RnsPoly): RnsPoly {
    const level = c.limbCount - 1;
    this.context.levelBasis(level).assertSame(c.basis, 'liftByP');
    const t = this.tables(level);
    const out = new RnsPoly(t.basisQP, c.form);
    for (let i = 0; i <= level; i++) {
      mulScalarShoup(c.limb(i), t.pModQ[i]!, t.pModQShoup[i]!, out.limb(i), t.basisQP.moduli[i]!.value);
    }
    return out;
  }

  /**
   * Relinearisation's key switch with the ciphertext's first parts added: (u_0 + c_0, u_1 + c_1) over Q_ℓ for
   * (u_0, u_1) = switchKey(d, key), written into `dest` when given. With a pool, c is added as P·c before the division
   * by P, in the key product's units (no pass of its own): the same residues, since ModDown(v + P·c) = ModDown(v) + c
   * exactly ([v + P·c]_P = [v]_P).
   */
  switchLift(c0: RnsPoly, c1: RnsPoly, d: RnsPoly, key: SwitchingKey, dest?: [RnsPoly, RnsPoly]): [RnsPoly, RnsPoly] {
    const split = this.switchInOneJob(d, key, 'P', [c0, c1], dest);
    if (split !== undefined) return split;
    const [u0, u1] = this.switchKey(d, key);
    if (dest === undefined) return [polyAdd(u0, c0, u0), polyAdd(u1, c1, u1)];
    polyAdd(u0, c0, dest[0]);
    polyAdd(u1, c1, dest[1]);
    releasePoly(u0, u1);
    return dest;
  }

  /** u_0 + u_1·s ≈ d·s' (both steps). */
  switchKey(d: RnsPoly, key: SwitchingKey): [RnsPoly, RnsPoly] {
    const split = this.switchInOneJob(d, key, 'P');
    if (split !== undefined) return split;
    const decomposition = this.decompose(d);
    const out = this.applyKey(decomposition, key);
    releasePoly(...decomposition.digits);
    return out;
  }

  /**
   * ≈ x/(q_ℓ·P) over Q_{ℓ−1} for x over Q_ℓ ∪ P (evaluation form): ModDown and rescale in one division. Both
   * are rounded divisions by a product of primes that are then dropped, so dividing by P and then by q_ℓ equals
   * (up to rounding) dividing by q_ℓ·P with the same algorithm as `modDown`, the dropped basis being
   * {q_ℓ} ∪ P. The k_P + 1 dropped limbs are inverse-transformed and converted once, so a
   * relinearise-then-rescale costs ℓ forward NTTs per polynomial instead of 2ℓ + 1, with one rounding
   * (offset H = ⌊(k_P + 1)·q_ℓ·P/2⌋, as in `modDown`). `x`'s dropped limbs are overwritten.
   */
  modDownRescale(x: RnsPoly, level: number): RnsPoly {
    this.context.levelBasisQP(level).assertSame(x.basis, 'modDownRescale');
    x.requireForm('evaluation', 'modDownRescale');
    if (level < 1) throw new CkksError('DEPTH_EXHAUSTED', 'modDownRescale: level 0 cannot be rescaled');
    const job = jobFor(this.context, x.limbCount);
    if (job !== undefined) return modDownSplit(job, this.context, x, level, true);
    const kept = this.context.levelBasis(level - 1);
    let t = this.rescaleDivisions.get(level);
    if (t === undefined) {
      t = new ModDownConverter(kept, RnsBasis.fromTables(x.basis.tables.slice(level)));
      this.rescaleDivisions.set(level, t);
    }
    return t.apply(x);
  }

  /**
   * ≈ x/P over Q_ℓ for x over Q_ℓ ∪ P (evaluation form), rounded (`ModDownConverter`: error in (−k_P/2, k_P/2],
   * mean ≈ 0; exact rounding for k_P = 1). Only the P limbs are inverse-transformed; `x`'s P limbs are
   * overwritten. `addend` (coefficient form over Q_ℓ ∪ P, a small polynomial such as an encryption error) gives
   * exactly ModDown(x + NTT(addend)) without transforming it.
   */
  modDown(x: RnsPoly, level: number, addend?: RnsPoly): RnsPoly {
    this.context.levelBasisQP(level).assertSame(x.basis, 'modDown');
    if (addend === undefined) {
      const job = jobFor(this.context, x.limbCount);
      if (job !== undefined) {
        x.requireForm('evaluation', 'ModDown');
        return modDownSplit(job, this.context, x, level, false);
      }
    }
    return this.tables(level).modDown.apply(x, addend);
  }
}
