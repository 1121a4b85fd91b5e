/**
 * Slot rotations and conjugation through Galois automorphisms (Gentry–Halevi–Smart 2012; CKKS §4):
 * σ_k applied to (c_0, 0) + KS_{s→σ_k^{-1}(s)}(c_1). Rotation by r to the left uses k = 5^r mod 2N, conjugation
 * k = 2N − 1.
 *
 * Hoisting (Halevi–Shoup 2018, "Faster homomorphic linear transformations in HElib", §5): the expensive
 * decomposition (inverse NTT + ModUp + NTT) of c_1 is computed once; each rotation then only does the inner
 * product with its key, ModDown, and σ_k on the two results (a permutation in the evaluation domain). This works
 * because Galois keys switch s → σ_k^{-1}(s) (see `GaloisKey`), so the digits are never permuted (as in Lattigo).
 *
 * Double hoisting (Bossuat et al. 2021, "Efficient bootstrapping for approximate HE with non-sparse keys",
 * §3.3): rotations whose results are only summed can stay in the extended basis Q_ℓ ∪ P, multiplied by P,
 * skipping ModDown; the sum is divided by P once (`ExtendedCiphertext`, `rotateHoistedExtended`, `liftExtended`,
 * `rotateAccumulateExtended`, `modDownExtended`). Extended ciphertexts carry their scale and slot count.
 *
 * A rotation without an exact key is composed from the available keys along a shortest path in the rotation
 * group (breadth-first search); if none exists the error is MISSING_KEY, never a wrong result.
 */
import { CkksError } from '../errors.js';
import { RnsPoly, polyAdd, releasePoly } from '../ring/rnsPoly.js';
import { applyAutomorphism, applyAutomorphismAccumulate, conjugationElement, galoisElementForRotation } from '../ring/automorphism.js';
import type { CkksContext } from './context.js';
import type { GaloisKey } from './keys.js';
import { type Decomposition, type KeySwitcher, releaseDecomposition } from './keySwitch.js';
import { Ciphertext, ExtendedCiphertext, HalfExtendedCiphertext } from './plaintext.js';
import { checkCanRescale, checkContext, checkRescaledScale, checkSameLevel, checkSameScale, checkSameSlots } from './checks.js';
import { automorphismAccumulateSplit, galoisSplit, jobFor, rotateSumExtendedSplit, rotateSumSplit, rotationsSplit } from '../parallel/schemeJobs.js';

/**
 * INCOMPATIBLE_PARAMETERS unless the key stored under Galois element `element` is the key for that element: a
 * key filed under another element would silently apply another automorphism (a rotation by a different amount).
 */
export function checkGaloisKeyEntry(element: number, key: GaloisKey, what: string): void {
  if (key.galoisElement !== element) {
    throw new CkksError('INCOMPATIBLE_PARAMETERS', `${what}: the Galois key stored under element ${element} is the key for element ${key.galoisElement}`);
  }
}

/** An `ExtendedCiphertext` (TypeError otherwise) of this parameter set (INCOMPATIBLE_PARAMETERS otherwise). */
function checkExtended(ctx: CkksContext, x: ExtendedCiphertext, what: string): void {
  if (!(x instanceof ExtendedCiphertext)) throw new TypeError(`${what}: expected an ExtendedCiphertext (from rotateHoistedExtended, liftExtended or ExtendedCiphertext.zero)`);
  checkContext(ctx, x, what);
}

function requireDegreeOne(ct: Ciphertext, what: string): void {
  if (ct.degree !== 1) throw new RangeError(`${what}: relinearise first (ciphertext degree ${ct.degree})`);
}

/**
 * σ_k(ct) re-keyed to s, given the decomposition of the un-permuted c_1 (hoisted or not). The Galois key switches
 * s → σ_k^{-1}(s), so (u_0, u_1) = KS(c_1) satisfies u_0 + u_1·σ_k^{-1}(s) ≈ c_1·s, and applying σ_k gives
 * σ_k(c_0 + u_0) + σ_k(u_1)·s ≈ σ_k(c_0 + c_1·s): two permutations per rotation, none of the digits.
 */
export function applyGalois(ctx: CkksContext, switcher: KeySwitcher, ct: Ciphertext, dec: Decomposition, key: GaloisKey): Ciphertext {
  const k = key.galoisElement;
  const size = ctx.levelBasisQP(dec.level).size;
  const job = jobFor(ctx, (dec.digits.length * size) / 4 + 2 * size);
  if (job !== undefined) {
    const keyQ = switcher.keyLimbsQ(dec, key);
    switcher.counters.keySwitches++;
    const parts = galoisSplit(job, ctx, dec.level, dec.digits, key, keyQ, ct.parts[0]!, k);
    return new Ciphertext(ctx, parts, ct.scale, ct.slots);
  }
  const [u0, u1] = switcher.applyKey(dec, key);
  polyAdd(u0, ct.parts[0]!, u0);
  const c0 = applyAutomorphism(u0, k, new RnsPoly(u0.basis, 'evaluation'));
  const c1 = applyAutomorphism(u1, k, new RnsPoly(u1.basis, 'evaluation'));
  releasePoly(u0, u1);
  return new Ciphertext(ctx, [c0, c1], ct.scale, ct.slots);
}

/**
 * The scale a rescale of `ct` gives (ct.scale / q_ℓ), checked as `rescale` checks it: DEPTH_EXHAUSTED at level 0,
 * SCALE_MISMATCH when the result would fall below 1.
 */
function rescaledScale(ctx: CkksContext, ct: Ciphertext | HalfExtendedCiphertext, what: string): number {
  checkCanRescale(ct, what);
  const scale = ct.scale / Number(ctx.params.Q[ct.level]!);
  checkRescaledScale(ctx, scale, what);
  return scale;
}

/** Reduces a rotation amount into [0, N/2). */
export function normalizeSteps(steps: number, ringDegree: number): number {
  if (!Number.isInteger(steps)) throw new RangeError(`rotation steps must be an integer, got ${steps}`);
  const half = ringDegree / 2;
  return ((steps % half) + half) % half;
}

/**
 * A shortest sequence of available rotation amounts summing to `steps` modulo N/2, or undefined.
 * `available` maps each rotation amount in [0, N/2) that has a key.
 */
export function planRotation(steps: number, available: ReadonlySet<number>, ringDegree: number): number[] | undefined {
  const half = ringDegree / 2;
  const target = normalizeSteps(steps, ringDegree);
  if (target === 0) return [];
  if (available.has(target)) return [target];
  const gens = [...available].filter((g) => g !== 0);
  if (gens.length === 0) return undefined;
  const previous = new Int32Array(half).fill(-1);
  const via = new Int32Array(half);
  previous[0] = 0;
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const x = queue[head]!;
    for (const g of gens) {
      const y = (x + g) % half;
      if (previous[y] !== -1) continue;
      previous[y] = x;
      via[y] = g;
      if (y === target) {
        const path: number[] = [];
        for (let z = y; z !== 0; z = previous[z]!) path.push(via[z]!);
        return path.reverse();
      }
      queue.push(y);
    }
  }
  return undefined;
}

/** Rotation amounts (in [0, N/2)) for which `keys` hold a Galois key. */
export function availableRotations(keys: ReadonlyMap<number, GaloisKey>, ringDegree: number): Set<number> {
  const twoN = 2 * ringDegree;
  const byElement = new Map<number, number>();
  let e = 1;
  for (let r = 0; r < ringDegree / 2; r++) {
    byElement.set(e, r);
    e = (e * 5) % twoN;
  }
  const out = new Set<number>();
  for (const k of keys.keys()) {
    const r = byElement.get(k);
    if (r !== undefined) out.add(r);
  }
  return out;
}

export class Rotator {
  private availableCache: { keys: ReadonlyMap<number, GaloisKey>; size: number; set: Set<number> } | undefined;

  constructor(
    readonly context: CkksContext,
    readonly switcher: KeySwitcher,
    readonly keys: ReadonlyMap<number, GaloisKey>,
  ) {}

  private available(): Set<number> {
    const c = this.availableCache;
    if (c !== undefined && c.keys === this.keys && c.size === this.keys.size) return c.set;
    const set = availableRotations(this.keys, this.context.ringDegree);
    this.availableCache = { keys: this.keys, size: this.keys.size, set };
    return set;
  }

  /** True when a key for exactly this rotation exists (rotation by 0 needs none). */
  hasKey(steps: number): boolean {
    return normalizeSteps(steps, this.context.ringDegree) === 0 || this.keyFor(steps) !== undefined;
  }

  private keyFor(steps: number): GaloisKey | undefined {
    return this.checkedKey(galoisElementForRotation(steps, this.context.ringDegree));
  }

  /** The key stored under `element`, checked to be that element's key (the map may have changed since). */
  private checkedKey(element: number): GaloisKey | undefined {
    const key = this.keys.get(element);
    if (key !== undefined) checkGaloisKeyEntry(element, key, 'rotation');
    return key;
  }

  /** Rotates the slots left by `steps` (negative: right). */
  rotate(ct: Ciphertext, steps: number): Ciphertext {
    checkContext(this.context, ct, 'rotate');
    requireDegreeOne(ct, 'rotate');
    const N = this.context.ringDegree;
    const r = normalizeSteps(steps, N);
    if (r === 0) return ct.clone();
    const plan = this.keyFor(r) !== undefined ? [r] : planRotation(r, this.available(), N);
    if (plan === undefined) {
      throw new CkksError('MISSING_KEY', `rotate: no Galois key for ${steps} steps and no composition of the available keys reaches it`);
    }
    let out = ct;
    for (const s of plan) {
      const key = this.keyFor(s)!;
      const from = out;
      // with a pool, one job: the decomposition's phases, then the key product, the divisions and the automorphisms
      let next = this.switcher.inOneJob(from.parts[1]!, key, (job, { level, digits }, keyQ) => new Ciphertext(
        this.context, galoisSplit(job, this.context, level, digits, key, keyQ, from.parts[0]!, key.galoisElement, true), from.scale, from.slots));
      if (next === undefined) {
        const dec = this.switcher.decompose(from.parts[1]!);
        next = applyGalois(this.context, this.switcher, from, dec, key);
        releasePoly(...dec.digits);
      }
      if (out !== ct) releasePoly(...out.parts); // an intermediate of a composed rotation
      out = next;
    }
    return out;
  }

  /**
   * Several rotations of one ciphertext sharing one decomposition of c_1 (hoisting). Every step needs an
   * exact key (MISSING_KEY otherwise). Returns a map steps → rotated ciphertext.
   */
  rotateHoisted(ct: Ciphertext, steps: readonly number[]): Map<number, Ciphertext> {
    checkContext(this.context, ct, 'rotateHoisted');
    requireDegreeOne(ct, 'rotateHoisted');
    const N = this.context.ringDegree;
    const out = new Map<number, Ciphertext>();
    const split = this.hoistedSplit(ct, steps, 'q', ct.parts[0]!, 'rotateHoisted');
    if (split !== undefined) {
      for (const s of steps) if (!out.has(s)) out.set(s, split.has(s) ? new Ciphertext(this.context, split.get(s)!, ct.scale, ct.slots) : ct.clone());
      return out;
    }
    let dec: Decomposition | undefined;
    for (const s of steps) {
      if (out.has(s)) continue;
      const r = normalizeSteps(s, N);
      if (r === 0) {
        out.set(s, ct.clone());
        continue;
      }
      const key = this.requireExactKey(r, s, 'rotateHoisted');
      dec ??= this.sharedDecomposition(ct, steps);
      out.set(s, applyGalois(this.context, this.switcher, ct, dec, key));
    }
    if (dec !== undefined) releaseDecomposition(dec);
    return out;
  }

  /**
   * The decomposition of ct's c_1 for the rotations by `steps`, prepared for Shoup key products (`KeySwitcher.hoist`)
   * when at least two of them switch keys.
   */
  private sharedDecomposition(ct: Ciphertext, steps: readonly number[]): Decomposition {
    const dec = this.switcher.decompose(ct.parts[1]!);
    const switching = new Set(steps.map((s) => normalizeSteps(s, this.context.ringDegree)).filter((r) => r !== 0)).size;
    return switching >= 2 ? this.switcher.hoist(dec) : dec;
  }

  /**
   * With a pool and at least two distinct non-zero steps: the hoisted rotations of `ct` by its non-zero steps as one
   * split job, one unit per (rotation, key part) (`rotationsSplit`; c0 is c_0, or P·c_0 unless `basis` is 'q'), as a
   * map steps → parts. Undefined when the work is not split.
   */
  private hoistedSplit(ct: Ciphertext, steps: readonly number[], basis: 'q' | 'extended' | 'halfExtended', c0: RnsPoly, what: string): Map<number, [RnsPoly, RnsPoly]> | undefined {
    const N = this.context.ringDegree;
    const rotating = [...new Set(steps)].filter((s) => normalizeSteps(s, N) !== 0);
    const size = this.context.levelBasisQP(ct.level).size;
    const digits = this.context.params.digitsAtLevel(ct.level).length;
    const job = rotating.length < 2 ? undefined : jobFor(this.context, rotating.length * ((digits * size) / 4 + 2 * size));
    if (job === undefined) return undefined;
    const keys = rotating.map((s) => this.requireExactKey(normalizeSteps(s, N), s, what));
    const dec = this.switcher.hoist(this.switcher.decompose(ct.parts[1]!));
    const rotations = keys.map((key) => ({ key, keyQ: this.switcher.keyLimbsQ(dec, key), element: key.galoisElement }));
    this.switcher.counters.keySwitches += rotations.length;
    const results = rotationsSplit(job, this.context, ct.level, dec, rotations, c0, basis);
    releaseDecomposition(dec);
    return new Map(rotating.map((s, i) => [s, results[i]!]));
  }

  /**
   * Double hoisting, baby steps: for every step, P·rot(ct, step) over Q_ℓ ∪ P — one shared decomposition and
   * no ModDown (step 0 gives P·ct, no key switch). Every non-zero step needs an exact key.
   */
  rotateHoistedExtended(ct: Ciphertext, steps: readonly number[]): Map<number, ExtendedCiphertext> {
    const parts = this.hoistedLifted(ct, steps, 'extended', 'rotateHoistedExtended');
    return new Map([...parts].map(([s, [c0, c1]]) => [s, new ExtendedCiphertext(this.context, ct.level, c0, c1, ct.scale, ct.slots)]));
  }

  /**
   * Mixed hoisting, baby steps: for every step, rot(ct, step) with its first part left multiplied by P over Q_ℓ ∪ P
   * and its second part divided by P (one ModDown per rotation instead of two; `HalfExtendedCiphertext`). One shared
   * decomposition; step 0 gives (P·c_0, a copy of c_1), no key switch. Every non-zero step needs an exact key. Each
   * result owns its polynomials except that the first parts of all steps 0 are one polynomial (read-only).
   */
  rotateHoistedHalfExtended(ct: Ciphertext, steps: readonly number[]): Map<number, HalfExtendedCiphertext> {
    const parts = this.hoistedLifted(ct, steps, 'halfExtended', 'rotateHoistedHalfExtended');
    return new Map([...parts].map(([s, [c0, c1]]) => [s, new HalfExtendedCiphertext(this.context, ct.level, c0, c1, ct.scale, ct.slots)]));
  }

  /**
   * The parts of `rotateHoistedExtended` ('extended': both over Q_ℓ ∪ P) or `rotateHoistedHalfExtended`
   * ('halfExtended': the second divided by P) for every step: σ_k of (P·c_0 + v_0, v_1) from one shared decomposition
   * (with a pool, one split job); step 0 is (P·c_0, P·c_1 or a copy of c_1), P·c_0 one polynomial for all of them.
   */
  private hoistedLifted(ct: Ciphertext, steps: readonly number[], basis: 'extended' | 'halfExtended', what: string): Map<number, [RnsPoly, RnsPoly]> {
    checkContext(this.context, ct, what);
    requireDegreeOne(ct, what);
    const N = this.context.ringDegree;
    const out = new Map<number, [RnsPoly, RnsPoly]>();
    if (steps.length === 0) return out;
    const c0P = this.switcher.liftByP(ct.parts[0]!); // P·c_0, the same for every step (read, never written, below)
    const split = this.hoistedSplit(ct, steps, basis, c0P, what);
    let dec: Decomposition | undefined;
    for (const s of steps) {
      if (out.has(s)) continue;
      const r = normalizeSteps(s, N);
      if (r === 0) {
        out.set(s, [c0P, basis === 'extended' ? this.switcher.liftByP(ct.parts[1]!) : ct.parts[1]!.clone()]);
        continue;
      }
      const parts = split?.get(s);
      if (parts !== undefined) {
        out.set(s, parts);
        continue;
      }
      const key = this.requireExactKey(r, s, what);
      dec ??= this.sharedDecomposition(ct, steps);
      const k = key.galoisElement;
      // v_0 + v_1·σ_k^{-1}(s) ≈ P·c_1·s over Q_ℓ ∪ P; σ_k of (P·c_0 + v_0, v_1) is P·rot(ct) there. 'halfExtended'
      // divides v_1 by P before σ_k (as applyGalois and the thread pool's 'rotatePart' units do: the same words)
      const [v0, v1] = this.switcher.applyKeyExtended(dec, key);
      polyAdd(v0, c0P, v0);
      const c0 = applyAutomorphism(v0, k, new RnsPoly(v0.basis, 'evaluation'));
      const u1 = basis === 'extended' ? v1 : this.switcher.modDown(v1, ct.level);
      const c1 = applyAutomorphism(u1, k, new RnsPoly(u1.basis, 'evaluation'));
      releasePoly(v0, v1, ...(u1 === v1 ? [] : [u1]));
      out.set(s, [c0, c1]);
    }
    if (dec !== undefined) releaseDecomposition(dec);
    return out;
  }

  /** P·ct over Q_ℓ ∪ P (exact; its P limbs are zero), with ct's scale and slot count. */
  liftExtended(ct: Ciphertext): ExtendedCiphertext {
    checkContext(this.context, ct, 'liftExtended');
    requireDegreeOne(ct, 'liftExtended');
    return new ExtendedCiphertext(this.context, ct.level, this.switcher.liftByP(ct.parts[0]!), this.switcher.liftByP(ct.parts[1]!), ct.scale, ct.slots);
  }

  /**
   * Double hoisting, giant steps: acc += P·rot(x/P, steps) for x, acc over Q_ℓ ∪ P. Only x.c1 is divided by P
   * (ModDown, its rounding error is the only one added); x.c0 is permuted in the extended basis. `x` is not
   * modified. Steps 0 adds x; otherwise an exact key is needed.
   */
  rotateAccumulateExtended(x: ExtendedCiphertext, steps: number, acc: ExtendedCiphertext): void {
    const what = 'rotateAccumulateExtended';
    checkExtended(this.context, x, what);
    checkExtended(this.context, acc, what);
    checkSameLevel(x, acc, what);
    checkSameScale(x, acc, what);
    checkSameSlots(x, acc, what);
    if (x === acc || x.c0 === acc.c0 || x.c1 === acc.c1) throw new RangeError(`${what}: the accumulator must not be the input`);
    const r = normalizeSteps(steps, this.context.ringDegree);
    if (r === 0) {
      polyAdd(acc.c0, x.c0, acc.c0);
      polyAdd(acc.c1, x.c1, acc.c1);
      return;
    }
    const key = this.requireExactKey(r, steps, 'rotateAccumulateExtended');
    const k = key.galoisElement;
    const x1 = x.c1.clone();
    const c1 = this.switcher.modDown(x1, x.level);
    const dec = this.switcher.decompose(c1);
    const [v0, v1] = this.switcher.applyKeyExtended(dec, key);
    releasePoly(x1, c1, ...dec.digits);
    polyAdd(v0, x.c0, v0);
    const job = jobFor(this.context, v0.limbCount / 2);
    if (job !== undefined) {
      automorphismAccumulateSplit(job, x.level, k, [v0, v1], [acc.c0, acc.c1]);
      releasePoly(v0, v1);
      return;
    }
    applyAutomorphismAccumulate(v0, k, acc.c0);
    applyAutomorphismAccumulate(v1, k, acc.c1);
    releasePoly(v0, v1);
  }

  /**
   * Σ_t rot(x_t, steps_t) for degree-1 ciphertexts at one level, scale and slot count, with one key switch per
   * non-zero step and ONE division by P for the whole sum: each term is switched into the extended basis
   * (P·σ_k(x_t), exact keys required), the terms are summed there and divided by P once (the giant steps of a BSGS
   * transform whose inner sums live over Q_ℓ; Bossuat et al. 2021, §3.3). With a pool, split by (term, key part).
   * `rescale`: the sum is divided by q_ℓ·P in one rounded division (`KeySwitcher.modDownRescale`) instead of by P,
   * so the result is the rescaled sum at level ℓ − 1 (scale / q_ℓ), for ℓ + 1 fewer NTTs per polynomial than a
   * separate rescale. A term may be a `HalfExtendedCiphertext` (mixed hoisting's giant groups): its first part is
   * already P·c_0 over Q_ℓ ∪ P and enters the sum as it is.
   */
  rotateSum(terms: readonly { ciphertext: Ciphertext | HalfExtendedCiphertext; steps: number }[], rescale = false): Ciphertext {
    const what = rescale ? 'rotateSumRescale' : 'rotateSum';
    const first = terms[0]?.ciphertext;
    if (first === undefined) throw new RangeError(`${what}: no terms`);
    for (const { ciphertext } of terms) {
      if (!(ciphertext instanceof Ciphertext) && !(ciphertext instanceof HalfExtendedCiphertext)) throw new TypeError(`${what}: terms must be Ciphertexts or HalfExtendedCiphertexts`);
      checkContext(this.context, ciphertext, what);
      if (ciphertext instanceof Ciphertext) requireDegreeOne(ciphertext, what);
      checkSameLevel(first, ciphertext, what);
      checkSameScale(first, ciphertext, what);
      checkSameSlots(first, ciphertext, what);
    }
    const N = this.context.ringDegree;
    const level = first.level;
    const scale = rescale ? rescaledScale(this.context, first, what) : first.scale;
    const digitCount = this.context.params.digitsAtLevel(level).length;
    const keyed = terms.map(({ ciphertext, steps }) => {
      const r = normalizeSteps(steps, N);
      const key = r === 0 ? undefined : this.requireExactKey(r, steps, what);
      const keyQ = key === undefined ? 0 : this.switcher.keyLimbsQ({ level, digits: { length: digitCount } }, key);
      // a half-extended term's first part is already P·c_0 over Q_ℓ ∪ P
      const lifted = ciphertext instanceof HalfExtendedCiphertext;
      const [x0, x1] = lifted ? [ciphertext.c0, ciphertext.c1] : [ciphertext.parts[0]!, ciphertext.parts[1]!];
      return { x0, x1, x0Lifted: lifted, element: key?.galoisElement ?? 0, key, keyQ };
    });
    const size = this.context.levelBasisQP(level).size;
    const job = jobFor(this.context, terms.length * (level + 1 + digitCount * size * 1.25) + 2 * size);
    if (job !== undefined) {
      this.switcher.counters.keySwitches += keyed.filter((t) => t.key !== undefined).length;
      return new Ciphertext(this.context, rotateSumSplit(job, this.context, level, keyed, rescale), scale, first.slots);
    }
    const basisQP = this.context.levelBasisQP(level);
    const acc = [new RnsPoly(basisQP, 'evaluation'), new RnsPoly(basisQP, 'evaluation')] as const;
    for (const { x0, x1, x0Lifted, element, key } of keyed) {
      const lift0 = x0Lifted ? x0 : this.switcher.liftByP(x0);
      if (key === undefined) {
        const lift1 = this.switcher.liftByP(x1);
        polyAdd(acc[0], lift0, acc[0]);
        polyAdd(acc[1], lift1, acc[1]);
        releasePoly(lift1, ...(x0Lifted ? [] : [lift0]));
        continue;
      }
      const dec = this.switcher.decompose(x1);
      const [v0, v1] = this.switcher.applyKeyExtended(dec, key);
      polyAdd(v0, lift0, v0);
      applyAutomorphismAccumulate(v0, element, acc[0]);
      applyAutomorphismAccumulate(v1, element, acc[1]);
      releasePoly(...dec.digits, v0, v1, ...(x0Lifted ? [] : [lift0]));
    }
    const parts: [RnsPoly, RnsPoly] = rescale
      ? [this.switcher.modDownRescale(acc[0], level), this.switcher.modDownRescale(acc[1], level)]
      : this.switcher.modDownPair(acc[0], acc[1], level);
    releasePoly(...acc);
    return new Ciphertext(this.context, parts, scale, first.slots);
  }

  /**
   * Σ_t P·rot(x_t/P, steps_t) over Q_ℓ ∪ P for extended ciphertexts at one level, scale and slot count: the sum of
   * `rotateAccumulateExtended` over the terms into a zero accumulator (double hoisting's giant steps). With a pool,
   * one term per thread. The inputs are not modified.
   */
  rotateSumExtended(terms: readonly { ciphertext: ExtendedCiphertext; steps: number }[]): ExtendedCiphertext {
    const what = 'rotateSumExtended';
    const first = terms[0]?.ciphertext;
    if (first === undefined) throw new RangeError(`${what}: no terms`);
    for (const { ciphertext } of terms) {
      checkExtended(this.context, ciphertext, what);
      checkSameLevel(first, ciphertext, what);
      checkSameScale(first, ciphertext, what);
      checkSameSlots(first, ciphertext, what);
    }
    const N = this.context.ringDegree;
    const level = first.level;
    const digitCount = this.context.params.digitsAtLevel(level).length;
    const keyed = terms.map(({ ciphertext, steps }) => {
      const r = normalizeSteps(steps, N);
      const key = r === 0 ? undefined : this.requireExactKey(r, steps, what);
      const keyQ = key === undefined ? 0 : this.switcher.keyLimbsQ({ level, digits: { length: digitCount } }, key);
      return { x0: ciphertext.c0, x1: ciphertext.c1, element: key?.galoisElement ?? 0, key, keyQ };
    });
    const size = this.context.levelBasisQP(level).size;
    const job = jobFor(this.context, terms.length * (2 * (level + 1) + digitCount * size * 1.25));
    if (job !== undefined) {
      this.switcher.counters.keySwitches += keyed.filter((t) => t.key !== undefined).length;
      const [c0, c1] = rotateSumExtendedSplit(job, this.context, level, keyed);
      return new ExtendedCiphertext(this.context, level, c0, c1, first.scale, first.slots);
    }
    const acc = ExtendedCiphertext.zero(this.context, level, first.scale, first.slots);
    for (const { ciphertext, steps } of terms) this.rotateAccumulateExtended(ciphertext, steps, acc);
    return acc;
  }

  /**
   * Divides an extended ciphertext by P: the ordinary ciphertext over Q_ℓ it stands for, with x's scale and slot
   * count (x is consumed: its P limbs are overwritten).
   */
  modDownExtended(x: ExtendedCiphertext): Ciphertext {
    checkExtended(this.context, x, 'modDownExtended');
    return new Ciphertext(this.context, this.switcher.modDownPair(x.c0, x.c1, x.level), x.scale, x.slots);
  }

  private requireExactKey(r: number, steps: number, what: string): GaloisKey {
    const key = this.keyFor(r);
    if (key === undefined) throw new CkksError('MISSING_KEY', `${what}: no Galois key for ${steps} steps (hoisting needs exact keys)`);
    return key;
  }

  /** Complex conjugation of every slot. */
  conjugate(ct: Ciphertext): Ciphertext {
    checkContext(this.context, ct, 'conjugate');
    requireDegreeOne(ct, 'conjugate');
    const key = this.checkedKey(conjugationElement(this.context.ringDegree));
    if (key === undefined) throw new CkksError('MISSING_KEY', 'conjugate: no conjugation key (generate Galois keys with conjugation = true)');
    const dec = this.switcher.decompose(ct.parts[1]!);
    const out = applyGalois(this.context, this.switcher, ct, dec, key);
    releasePoly(...dec.digits);
    return out;
  }
}
