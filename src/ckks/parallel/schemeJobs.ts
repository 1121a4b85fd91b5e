/**
 * The scheme's hot paths as split jobs (`protocol.ts` units): the hooks in keySwitch.ts, rotations.ts, evaluator.ts
 * and arithmetic.ts call these when their context has a pool and the work is above its cut-off, and otherwise run
 * their single-threaded code unchanged. Each function returns what its single-threaded twin returns, bit for bit
 * (test/parallel/parallel.test.ts compares them).
 *
 * Work is counted in residue-transforms: N × the number of limb-sized NTT passes (a key-product or element-wise
 * pass over a limb counts about a quarter of one).
 */
import { RnsPoly, releasePoly } from '../ring/rnsPoly.js';
import type { CkksContext } from '../scheme/context.js';
import type { RnsBasis } from '../ring/rnsBasis.js';
import type { ShoupPlaintext } from '../ring/plaintextProducts.js';
import { type SwitchingKey, keyCompanions } from '../scheme/keys.js';
import type { Decomposition } from '../scheme/keySwitch.js';
import type { Job } from './pool.js';
import type { PolyRef, Unit } from './protocol.js';

/** A job on ctx's pool for `limbTransforms` limb-sized NTT passes, or undefined (no pool, or below the cut-off). */
export function jobFor(ctx: CkksContext, limbTransforms: number): Job | undefined {
  return ctx.pool?.job(ctx, ctx.ringDegree * limbTransforms);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * As `KeySwitcher.decompose` (digits of d over Q_ℓ ∪ P, evaluation form): INTT by limbs, the base conversions by
 * digits, then the forward NTTs of the converted limbs by (digit, limb) — so one or two digits (few special primes'
 * worth of work each) still split evenly.
 */
export function decomposeSplit(job: Job, ctx: CkksContext, d: RnsPoly, level: number, digitCount: number): RnsPoly[] {
  const { digits, scratch } = decompositionPhases(job, ctx, d, level, digitCount);
  job.run();
  releasePoly(scratch);
  return digits;
}

/**
 * The phases of `decomposeSplit` added to `job` without running it, so that a key switch can follow in the same job
 * (one start of the workers instead of two). The digits hold their words once the job has run; release `scratch` then.
 */
export function decompositionPhases(
  job: Job, ctx: CkksContext, d: RnsPoly, level: number, digitCount: number, options: { forward?: boolean } = {},
): { digits: RnsPoly[]; scratch: RnsPoly } {
  const scratch = new RnsPoly(ctx.levelBasis(level), 'coefficient');
  const basisQP = ctx.levelBasisQP(level);
  const digits = range(digitCount).map(() => new RnsPoly(basisQP, 'evaluation'));
  const [inverse, modUp, forward] = decompositionUnits(ctx, level, [{ d: job.ref(job.input(d)), coef: job.ref(scratch), exts: digits.map((p) => job.ref(p)) }]);
  job.phase(inverse);
  job.phase(modUp);
  // without the forward phase the converted limbs stay in coefficient form: a key switch's 'switchLimb' units
  // transform them (`keySwitchSplit`/`galoisSplit` with `pending`)
  if (options.forward !== false) job.phase(forward);
  return { digits, scratch };
}

/**
 * The three phases of decomposing several polynomials at once (d over Q_ℓ, evaluation form, into the digits `exts`
 * over Q_ℓ ∪ P, with `coef` as coefficient-form scratch): inverse NTTs by (polynomial, limb), base conversions by
 * (polynomial, digit, half of the coefficients), forward NTTs of the converted limbs by (polynomial, digit, limb).
 */
function decompositionUnits(ctx: CkksContext, level: number, items: readonly { d: PolyRef; coef: PolyRef; exts: readonly PolyRef[] }[]): [Unit[], Unit[], Unit[]] {
  const basisQP = ctx.levelBasisQP(level);
  // limb i of Q_ℓ ∪ P is prime i of the context for i ≤ ℓ, else P's prime i − ℓ − 1 (after all of Q)
  const prime = (i: number): number => (i <= level ? i : ctx.params.Q.length + i - level - 1);
  const owned = ctx.params.digitsAtLevel(level);
  const inverse: Unit[] = [];
  const modUp: Unit[] = [];
  const forward: Unit[] = [];
  for (const { d, coef, exts } of items) {
    for (let limb = 0; limb <= level; limb++) inverse.push({ op: 'ntt', p: coef, src: d, limb, prime: limb, inverse: true });
    exts.forEach((ext, digit) => {
      for (const half of [0, 1] as const) modUp.push({ op: 'modUp', level, digit, coef, d, ext, transform: false, half });
      const [start, end] = owned[digit]!;
      for (let limb = 0; limb < basisQP.size; limb++) if (limb < start || limb >= end) forward.push({ op: 'ntt', p: ext, limb, prime: prime(limb), inverse: false });
    });
  }
  return [inverse, modUp, forward];
}

/**
 * The three phases dividing each x_k over Q_ℓ ∪ P by P into out_k over Q_ℓ (or, `rescale`, by q_ℓ·P into Q_{ℓ−1}):
 * the dropped limbs to coefficient form by (polynomial, limb), the base conversion by (polynomial, half of the
 * coefficients), the kept limbs by (polynomial, limb). Equal small units, so two polynomials split evenly between
 * any number of threads (one whole ModDown per unit left a thread idle whenever the phase before was uneven).
 * The x_k's dropped limbs are overwritten.
 */
function divisionPhases(job: Job, ctx: CkksContext, level: number, rescale: boolean, xs: readonly PolyRef[], outs: readonly PolyRef[], prepared = false): void {
  const kept = rescale ? level : level + 1;
  const dropped = ctx.params.P.length + (rescale ? 1 : 0);
  // `prepared`: step 1 ran in the key product's units ('switchLimb' with prep)
  if (!prepared) job.phase(xs.flatMap((x) => range(dropped).map((j): Unit => ({ op: 'modDownPrep', level, rescale, x, dropped: j }))));
  job.phase(xs.flatMap((x, k) => [0, 1].map((half): Unit => ({ op: 'modDownConvert', level, rescale, x, out: outs[k]!, half: half as 0 | 1 }))));
  job.phase(xs.flatMap((x, k) => range(kept).map((limb): Unit => ({ op: 'modDownFinish', level, rescale, x, out: outs[k]!, limb }))));
}

interface KeyRefs {
  digits: PolyRef[];
  keyB: PolyRef[];
  keyA: PolyRef[];
  /** A relinearisation key's Shoup companions (`keyCompanions`), when it has them. */
  keyShoup?: { b: PolyRef[]; a: PolyRef[] };
}

function keyRefs(job: Job, digits: readonly RnsPoly[], key: SwitchingKey): KeyRefs {
  const companions = keyCompanions(key);
  return {
    digits: digits.map((p) => job.ref(job.input(p))),
    keyB: digits.map((_, j) => job.ref(job.key(key.b[j]!))),
    keyA: digits.map((_, j) => job.ref(job.key(key.a[j]!))),
    ...(companions === undefined ? {} : {
      keyShoup: { b: digits.map((_, j) => job.ref(job.key(companions.b[j]!))), a: digits.map((_, j) => job.ref(job.key(companions.a[j]!))) },
    }),
  };
}

/**
 * The key product as 'switchLimb' units, one per limb of Q_ℓ ∪ P: with `pending`, each first transforms that limb of
 * the digits that do not own it (their converted limbs, left in coefficient form by `decompositionPhases` without
 * its forward phase); with `divide`, the units of the limbs the division drops (P's, and q_ℓ's for a rescale) also
 * run its first step on both accumulators. Two phases fewer than decomposition + product + division apart; the
 * heavier units (dropped limbs, transforms) are listed first.
 */
function switchLimbUnits(
  job: Job, ctx: CkksContext, level: number, keyQ: number, refs: KeyRefs, acc: [RnsPoly, RnsPoly], lift: [RnsPoly, RnsPoly] | undefined,
  divide: 'P' | 'rescale' | undefined, pending: boolean,
): Unit[] {
  const size = ctx.levelBasisQP(level).size;
  const owned = ctx.params.digitsAtLevel(level);
  const kept = divide === 'rescale' ? level : level + 1;
  const acc0 = job.ref(acc[0]);
  const acc1 = job.ref(acc[1]);
  const liftRefs = lift === undefined ? undefined : ([job.ref(job.input(lift[0])), job.ref(job.input(lift[1]))] as const);
  const units = range(size).map((limb): { unit: Unit; weight: number } => {
    const forward = pending ? refs.digits.filter((_, j) => limb < owned[j]![0] || limb >= owned[j]![1]) : [];
    const prep = divide !== undefined && limb >= kept ? { rescale: divide === 'rescale' } : undefined;
    const unit: Unit = {
      op: 'switchLimb', level, limb, keyQ, ...refs, acc0, acc1, forward,
      ...(liftRefs === undefined ? {} : { lift: liftRefs }), ...(prep === undefined ? {} : { prep }),
    };
    return { unit, weight: refs.digits.length + 4 * forward.length + (prep === undefined ? 0 : 8) };
  });
  return units.sort((a, b) => b.weight - a.weight).map((u) => u.unit);
}

/**
 * The key switch after the decomposition: `applyKeyExtended` (divide: undefined), `applyKey` (divide: 'P': ModDown
 * of both accumulators by P) or relinearise-and-rescale's (divide: 'rescale', with lift = (c_0, c_1): (acc + P·c)
 * divided by q_ℓ·P).
 */
export function keySwitchSplit(
  job: Job, ctx: CkksContext, level: number, digits: readonly RnsPoly[], key: SwitchingKey, keyQ: number,
  divide: 'P' | 'rescale' | undefined, lift?: [RnsPoly, RnsPoly], pending = false, dest?: [RnsPoly, RnsPoly],
): [RnsPoly, RnsPoly] {
  const basisQP = ctx.levelBasisQP(level);
  const acc: [RnsPoly, RnsPoly] = [new RnsPoly(basisQP, 'evaluation'), new RnsPoly(basisQP, 'evaluation')];
  job.phase(switchLimbUnits(job, ctx, level, keyQ, keyRefs(job, digits, key), acc, lift, divide, pending));
  if (divide === undefined) {
    job.run();
    return acc;
  }
  const kept = divide === 'P' ? ctx.levelBasis(level) : ctx.levelBasis(level - 1);
  // with `dest` (polynomials over the kept basis) the result is written there
  const out: [RnsPoly, RnsPoly] = dest === undefined
    ? [new RnsPoly(kept, 'evaluation'), new RnsPoly(kept, 'evaluation')]
    : [job.output(dest[0]), job.output(dest[1])];
  for (const o of out) kept.assertSame(o.basis, 'keySwitchSplit');
  const rescale = divide === 'rescale';
  divisionPhases(job, ctx, level, rescale, acc.map((x) => job.ref(x)), out.map((o) => job.ref(o)), true);
  job.run();
  releasePoly(...acc);
  if (dest === undefined) return out;
  for (const d of dest) d.form = 'evaluation';
  return dest;
}

/** As `KeySwitcher.modDown` / `modDownRescale` for one polynomial, split by limbs (x's dropped limbs are overwritten). */
export function modDownSplit(job: Job, ctx: CkksContext, x: RnsPoly, level: number, rescale: boolean): RnsPoly {
  const kept = rescale ? ctx.levelBasis(level - 1) : ctx.levelBasis(level);
  const xs = job.output(x);
  const xr = job.ref(xs);
  const out = new RnsPoly(kept, 'evaluation');
  divisionPhases(job, ctx, level, rescale, [xr], [job.ref(out)]);
  job.run();
  return out;
}

/** Both ModDowns by P of a pair over Q_ℓ ∪ P, one polynomial per unit (inputs' P limbs are overwritten). */
export function modDownPairSplit(job: Job, ctx: CkksContext, x0: RnsPoly, x1: RnsPoly, level: number): [RnsPoly, RnsPoly] {
  const basis = ctx.levelBasis(level);
  const out: [RnsPoly, RnsPoly] = [new RnsPoly(basis, 'evaluation'), new RnsPoly(basis, 'evaluation')];
  divisionPhases(job, ctx, level, false, [x0, x1].map((x) => job.ref(job.output(x))), out.map((o) => job.ref(o)));
  job.run();
  return out;
}

/**
 * A rotation from a decomposition (`applyGalois`): key product by limbs, both ModDowns, then σ_k(u_0 + c_0) and
 * σ_k(u_1), one polynomial per unit.
 */
export function galoisSplit(
  job: Job, ctx: CkksContext, level: number, digits: readonly RnsPoly[], key: SwitchingKey, keyQ: number, c0: RnsPoly, element: number, pending = false,
): [RnsPoly, RnsPoly] {
  const basisQP = ctx.levelBasisQP(level);
  const basis = ctx.levelBasis(level);
  const acc: [RnsPoly, RnsPoly] = [new RnsPoly(basisQP, 'evaluation'), new RnsPoly(basisQP, 'evaluation')];
  job.phase(switchLimbUnits(job, ctx, level, keyQ, keyRefs(job, digits, key), acc, undefined, 'P', pending));
  const u = [new RnsPoly(basis, 'evaluation'), new RnsPoly(basis, 'evaluation')];
  divisionPhases(job, ctx, level, false, acc.map((x) => job.ref(x)), u.map((o) => job.ref(o)), true);
  const out: [RnsPoly, RnsPoly] = [new RnsPoly(basis, 'evaluation'), new RnsPoly(basis, 'evaluation')];
  const add = job.ref(job.input(c0));
  job.phase(u.map((src, k): Unit => ({
    op: 'automorphism', level, extended: false, element, src: job.ref(src), dst: job.ref(out[k]!), ...(k === 0 ? { add } : {}),
  })));
  job.run();
  releasePoly(...acc, ...u);
  return out;
}

/**
 * Hoisted rotations of one ciphertext, two units per rotation (its key parts): for each (key, keyQ), with `basis`
 * 'q' (σ_k(u_0 + c_0), σ_k(u_1)) over Q_ℓ; 'extended' σ_k of (v_0 + c0, v_1) over Q_ℓ ∪ P (c0 = P·c_0 there);
 * 'halfExtended' σ_k(v_0 + c0) over Q_ℓ ∪ P (c0 = P·c_0) and σ_k(u_1) over Q_ℓ (`HalfExtendedCiphertext`).
 */
export function rotationsSplit(
  job: Job, ctx: CkksContext, level: number, decomposition: Decomposition, rotations: readonly { key: SwitchingKey; keyQ: number; element: number }[],
  c0: RnsPoly, basis: 'q' | 'extended' | 'halfExtended',
): [RnsPoly, RnsPoly][] {
  const digits = decomposition.digits;
  // a hoisted decomposition's Shoup parts (KeySwitcher.hoist): the units multiply in Shoup form, same residues
  const shoup = decomposition.shoup === undefined ? {} : {
    shoupDigits: {
      scaled: decomposition.shoup.scaled.map((p) => job.ref(job.input(p))),
      companions: decomposition.shoup.companions.map((p) => job.ref(job.input(p))),
    },
  };
  // per key part: is it kept over Q_ℓ ∪ P?
  const extended = [basis !== 'q', basis === 'extended'] as const;
  const partBasis = extended.map((e) => (e ? ctx.levelBasisQP(level) : ctx.levelBasis(level)));
  const c = job.ref(job.input(c0));
  const outs = rotations.map((): [RnsPoly, RnsPoly] => [new RnsPoly(partBasis[0]!, 'evaluation'), new RnsPoly(partBasis[1]!, 'evaluation')]);
  const digitRefs = digits.map((p) => job.ref(job.input(p)));
  // two units per rotation (its two key parts), so that an odd number of rotations splits evenly
  const parts: [Unit[], Unit[]] = [[], []];
  rotations.forEach(({ key, keyQ, element }, r) => {
    const refs = keyRefs(job, digits, key);
    for (const k of [0, 1]) {
      parts[k]!.push({
        op: 'rotatePart', level, element, keyQ, extended: extended[k]!, digits: digitRefs, key: k === 0 ? refs.keyB : refs.keyA,
        ...(k === 0 ? { c0: c } : {}), out: job.ref(outs[r]![k]!), ...shoup,
      });
    }
  });
  // 'halfExtended': a second part (with its ModDown) costs ≈ 4× a first part; claimed first, the short first parts fill
  // the end of the phase evenly (largest-first scheduling; measured 2026-12-02 at N = 2^15: the calling thread waited
  // 12 ms per 15 babies with the parts interleaved)
  job.phase(basis === 'halfExtended' ? [...parts[1], ...parts[0]] : rotations.flatMap((_, r) => [parts[0][r]!, parts[1][r]!]));
  job.run();
  return outs;
}

/** acc_k += σ_k(v_k) for k = 0, 1 over Q_ℓ ∪ P, one polynomial per unit (v_k unchanged). */
export function automorphismAccumulateSplit(job: Job, level: number, element: number, v: [RnsPoly, RnsPoly], acc: [RnsPoly, RnsPoly]): void {
  job.phase(v.map((src, k): Unit => ({
    op: 'automorphism', level, extended: true, element, src: job.ref(job.input(src)), dst: job.ref(job.output(acc[k]!)), accumulate: true,
  })));
  job.run();
}

/** Rescale of each part a_k (over Q_ℓ) into out_k (over Q_{ℓ−1}), one polynomial per unit. */
export function rescaleSplit(job: Job, level: number, parts: readonly RnsPoly[], outs: readonly RnsPoly[]): void {
  job.phase(parts.map((a, k): Unit => ({ op: 'rescale', level, a: job.ref(job.input(a)), out: job.ref(job.output(outs[k]!)) })));
  job.run();
}

/** The tensor product (a_0, a_1) ⊗ (b_0, b_1) into (d_0, d_1, d_2) over Q_ℓ, by limbs. */
export function tensorSplit(job: Job, level: number, a: readonly RnsPoly[], b: readonly RnsPoly[], d: readonly RnsPoly[]): void {
  const [a0, a1] = a.map((p) => job.ref(job.input(p))) as [PolyRef, PolyRef];
  const [b0, b1] = b.map((p) => job.ref(job.input(p))) as [PolyRef, PolyRef];
  const [d0, d1, d2] = d.map((p) => job.ref(job.output(p))) as [PolyRef, PolyRef, PolyRef];
  job.phase(range(level + 1).map((limb): Unit => ({ op: 'tensor', level, limb, a0, a1, b0, b1, d0, d1, d2 })));
  job.run();
}

/** out_k = a_k · b (element-wise) over Q_ℓ for every part, by (part, limb). */
export function mulPlainSplit(job: Job, level: number, parts: readonly RnsPoly[], b: RnsPoly, outs: readonly RnsPoly[]): void {
  const br = job.ref(job.input(b));
  const units: Unit[] = [];
  parts.forEach((a, k) => {
    const ar = job.ref(job.input(a));
    const or = job.ref(job.output(outs[k]!));
    for (let limb = 0; limb <= level; limb++) units.push({ op: 'mul', level, extended: false, limb, a: ar, b: br, out: or });
  });
  job.phase(units);
  job.run();
}

/**
 * Bytes of digits (and coefficient scratch) of the terms `rotateSumSplit` decomposes at once; later batches reuse
 * them (N = 2^15 with one digit: all 15 giant steps of a 256×256 transform in one batch; N = 2^16 with three digits of
 * 20 limbs: two terms). Mutable for tests only (test/parallel/threadPool.test.ts forces small batches).
 */
export const rotateSumTuning = { batchBytes: 64 * 2 ** 20 };

/**
 * As `Rotator.rotateSum`: Σ_t P·σ_{k_t}(x_t) over Q_ℓ ∪ P, then divided by P (or by q_ℓ·P with `rescale`). Returns
 * (c_0, c_1) over Q_ℓ (Q_{ℓ−1}). The terms' decompositions run by limbs (`decompositionUnits`) in batches of
 * `rotateSumTuning.batchBytes` of digits (later batches reuse them); after each batch one unit per (part, limb)
 * ('rotateSumLimb') multiplies that limb of every term of the batch by its key, adds its P·c_0, applies σ_k and adds
 * the result to the sum in place — no rotated copy of any term and no separate summing — and in the last batch the
 * units of the limbs the division drops also run its first step. Rotations by 0 add P·x_t (x0 itself when
 * `x0Lifted`: a `HalfExtendedCiphertext`'s P·c_0 over Q_ℓ ∪ P).
 */
export function rotateSumSplit(
  job: Job, ctx: CkksContext, level: number,
  terms: readonly { x0: RnsPoly; x1: RnsPoly; x0Lifted: boolean; element: number; key: SwitchingKey | undefined; keyQ: number }[],
  rescale: boolean,
): [RnsPoly, RnsPoly] {
  const basisQP = ctx.levelBasisQP(level);
  const digitCount = ctx.params.digitsAtLevel(level).length;
  const kept = rescale ? level : level + 1;
  const acc: [RnsPoly, RnsPoly] = [new RnsPoly(basisQP, 'evaluation'), new RnsPoly(basisQP, 'evaluation')];
  const accRefs = acc.map((a) => job.ref(a));
  type LimbTerm = Extract<Unit, { op: 'rotateSumLimb' }>['terms'][number];
  // rotations by 0: P·x_t (or x0 as it is), added by the first batch's units
  const still: [LimbTerm[], LimbTerm[]] = [[], []];
  const rotating: { t: number; key: SwitchingKey }[] = [];
  terms.forEach(({ x0, x1, x0Lifted, key }, t) => {
    if (key !== undefined) rotating.push({ t, key });
    else {
      still[0].push({ digits: [], keyQ: 0, element: 1, x: job.ref(job.input(x0)), xLifted: x0Lifted });
      still[1].push({ digits: [], keyQ: 0, element: 1, x: job.ref(job.input(x1)), xLifted: false });
    }
  });
  const perTerm = (digitCount * basisQP.size + level + 1) * ctx.ringDegree * 8;
  const batch = Math.max(1, Math.min(rotating.length, Math.floor(rotateSumTuning.batchBytes / perTerm)));
  const scratch = range(Math.min(batch, rotating.length)).map(() => ({
    coef: new RnsPoly(ctx.levelBasis(level), 'coefficient'),
    digits: range(digitCount).map(() => new RnsPoly(basisQP, 'evaluation')),
  }));
  const batches = Math.max(1, Math.ceil(rotating.length / batch));
  for (let b = 0; b < batches; b++) {
    const chunk = rotating.slice(b * batch, (b + 1) * batch);
    const items = chunk.map(({ t }, i) => ({ d: job.ref(job.input(terms[t]!.x1)), coef: job.ref(scratch[i]!.coef), exts: scratch[i]!.digits.map((p) => job.ref(p)) }));
    if (items.length > 0) for (const phase of decompositionUnits(ctx, level, items)) job.phase(phase);
    const parts = [0, 1].map((k): LimbTerm[] => [
      ...(b === 0 ? still[k]! : []),
      ...chunk.map(({ t, key }, i): LimbTerm => {
        const { x0, x0Lifted, element, keyQ } = terms[t]!;
        const refs = keyRefs(job, scratch[i]!.digits, key);
        return { digits: items[i]!.exts, key: k === 0 ? refs.keyB : refs.keyA, keyQ, element, ...(k === 0 ? { x: job.ref(job.input(x0)) } : {}), xLifted: k === 0 && x0Lifted };
      }),
    ]);
    const last = b === batches - 1;
    const units: Unit[] = [];
    for (let limb = basisQP.size - 1; limb >= 0; limb--) { // dropped limbs (the last ones) first: they also prepare
      for (const part of [0, 1] as const) {
        units.push({ op: 'rotateSumLimb', level, part, limb, acc: accRefs[part]!, terms: parts[part]!, ...(last && limb >= kept ? { prep: { rescale } } : {}) });
      }
    }
    job.phase(units);
  }
  const basis = ctx.levelBasis(rescale ? level - 1 : level);
  const result: [RnsPoly, RnsPoly] = [new RnsPoly(basis, 'evaluation'), new RnsPoly(basis, 'evaluation')];
  divisionPhases(job, ctx, level, rescale, accRefs, result.map((o) => job.ref(o)), true);
  job.run();
  releasePoly(...acc, ...scratch.flatMap((s) => [s.coef, ...s.digits]));
  return result;
}

/**
 * (acc0, acc1) = Σ_t w_t ⊙ (c0_t, c1_t) over Q_ℓ for each group (fresh outputs, reduced): the plaintext products of
 * a linear transform's giant groups, by (group, limb). Every plaintext has the same `blockLog`. When acc0 is over
 * Q_ℓ ∪ P (mixed hoisting: the c0_t are the P·c_0 of `HalfExtendedCiphertext`s, the plaintexts over Q_ℓ ∪ P), its
 * limbs of P are Σ_t w_t ⊙ c0_t over the terms not marked `zeroP` (a lifted c_0 of a step 0 is zero there).
 */
export function plainDotSplit(
  job: Job, level: number, blockLog: number,
  groups: readonly { terms: readonly { w: ShoupPlaintext; c0: RnsPoly; c1: RnsPoly; zeroP?: boolean }[]; acc0: RnsPoly; acc1: RnsPoly }[],
): void {
  const units: Unit[] = [];
  for (const g of groups) {
    for (const t of g.terms) if (t.w.blockLog !== blockLog) throw new RangeError(`plainDotSplit: a plaintext with blockLog ${t.w.blockLog} among ${blockLog}`);
    const refs = (terms: typeof g.terms) => ({
      w: terms.map((t) => job.ref(job.keyWords(t.w.values))),
      wShoup: terms.map((t) => job.ref(job.keyWords(t.w.shoup))),
      c0: terms.map((t) => job.ref(job.input(t.c0))),
    });
    const all = refs(g.terms);
    const c1 = g.terms.map((t) => job.ref(job.input(t.c1)));
    const acc0 = job.ref(job.output(g.acc0));
    const acc1 = job.ref(job.output(g.acc1));
    for (let limb = 0; limb <= level; limb++) units.push({ op: 'plainDot', level, limb, blockLog, ...all, c1, acc0, acc1 });
    if (g.acc0.limbCount > level + 1) {
      const nonZero = refs(g.terms.filter((t) => t.zeroP !== true));
      for (let limb = level + 1; limb < g.acc0.limbCount; limb++) units.push({ op: 'plainDot', level, limb, blockLog, ...nonZero, c1: [], acc0, acc1 });
    }
  }
  job.phase(units);
  job.run();
}

/** As `rotateSumSplit` for extended terms (`Rotator.rotateSumExtended`): returns the sum over Q_ℓ ∪ P, not divided. */
export function rotateSumExtendedSplit(
  job: Job, ctx: CkksContext, level: number, terms: readonly { x0: RnsPoly; x1: RnsPoly; element: number; key: SwitchingKey | undefined; keyQ: number }[],
): [RnsPoly, RnsPoly] {
  const basisQP = ctx.levelBasisQP(level);
  const digitCount = ctx.params.digitsAtLevel(level).length;
  const outs = terms.map((): [RnsPoly, RnsPoly] => [new RnsPoly(basisQP, 'evaluation'), new RnsPoly(basisQP, 'evaluation')]);
  job.phase(terms.map(({ x0, x1, element, key, keyQ }, t): Unit => ({
    op: 'rotateTermExtended', level, element, keyQ,
    keyB: key === undefined ? [] : key.b.slice(0, digitCount).map((p) => job.ref(job.key(p))),
    keyA: key === undefined ? [] : key.a.slice(0, digitCount).map((p) => job.ref(job.key(p))),
    x0: job.ref(job.input(x0)), x1: job.ref(job.input(x1)), out0: job.ref(outs[t]![0]), out1: job.ref(outs[t]![1]),
  })));
  const acc: [RnsPoly, RnsPoly] = [new RnsPoly(basisQP, 'evaluation'), new RnsPoly(basisQP, 'evaluation')];
  const sums: Unit[] = [];
  for (let k = 0; k < 2; k++) {
    const termRefs = outs.map((o) => job.ref(o[k]!));
    const out = job.ref(acc[k]!);
    for (let limb = 0; limb < basisQP.size; limb++) sums.push({ op: 'sum', level, extended: true, limb, terms: termRefs, out });
  }
  job.phase(sums);
  job.run();
  releasePoly(...outs.flat());
  return acc;
}

/** Double hoisting's products: per (group, limb of Q_ℓ ∪ P), Σ_t w_t ⊙ (c0_t, c1_t) with Montgomery-form w_t, reduced. */
export function plainDotMontgomerySplit(
  job: Job, level: number, size: number, groups: readonly { terms: readonly { w: RnsPoly; c0: RnsPoly; c1: RnsPoly }[]; acc0: RnsPoly; acc1: RnsPoly }[],
): void {
  const units: Unit[] = [];
  for (const g of groups) {
    const w = g.terms.map((t) => job.ref(job.key(t.w)));
    const c0 = g.terms.map((t) => job.ref(job.input(t.c0)));
    const c1 = g.terms.map((t) => job.ref(job.input(t.c1)));
    const acc0 = job.ref(job.output(g.acc0));
    const acc1 = job.ref(job.output(g.acc1));
    for (let limb = 0; limb < size; limb++) units.push({ op: 'plainDotMontgomery', level, limb, w, c0, c1, acc0, acc1 });
  }
  job.phase(units);
  job.run();
}

/**
 * The uniform halves a_0 … a_{count−1} of a seeded switching key stored at level `stored`, restricted to `target`
 * and in Montgomery form, one digit per unit (each digit has its own ChaCha20 stream): as the serialisation's
 * single-threaded `expandUniformLimbs` + `toMontgomeryForm`, bit for bit.
 */
export function expandUniformSplit(job: Job, ctx: CkksContext, stored: number, target: number, seed: Uint8Array, count: number): RnsPoly[] {
  const basis = ctx.levelBasisQP(target);
  const out = range(count).map(() => job.output(new RnsPoly(basis, 'evaluation')));
  const seedWords = Array.from(seed);
  job.phase(out.map((p, index): Unit => ({ op: 'expandUniform', stored, target, seed: seedWords, index, out: job.ref(p) })));
  job.run();
  for (const p of out) p.montgomery = true; // each unit ends with toMontgomeryForm
  return out;
}

/**
 * `Encoder.encodeOperand`'s per-limb work, one unit per limb of `basis` (a level basis Q_ℓ or Q_ℓ ∪ P): from the
 * rounded coefficients (`magnitudes`, sign mask `negative`, both one limb long) to an evaluation-form polynomial in
 * Montgomery form, bit for bit as the single-threaded path.
 */
export function encodeLimbsSplit(job: Job, ctx: CkksContext, basis: RnsBasis, magnitudes: BigUint64Array, negative: BigUint64Array): RnsPoly {
  const primes = ctx.basisQP.primes;
  const out = job.output(new RnsPoly(basis, 'evaluation'));
  const one = ctx.levelBasis(0);
  const mag = job.ref(job.input(new RnsPoly(one, 'coefficient', magnitudes)));
  const neg = job.ref(job.input(new RnsPoly(one, 'coefficient', negative)));
  const ref = job.ref(out);
  job.phase(basis.primes.map((q, limb): Unit => ({ op: 'encodeLimb', prime: primes.indexOf(q), magnitudes: mag, negative: neg, out: ref, limb })));
  job.run();
  return out;
}

/**
 * Switching keys from their drawn randomness (`KeyGenerator.switchingKeyBatch`): for each request and digit j, a_j from
 * the seed (one unit per digit: its ChaCha20 stream is sequential) while the error's limbs are reduced and transformed
 * (one unit per limb); then one unit per (digit, limb) forms b = e − a·t (+ P·s' on the digit's limbs) and puts both in
 * Montgomery form (`switchingKeyLimb`). Bit for bit the single-threaded keys.
 */
export function switchingKeysSplit(
  job: Job, ctx: CkksContext, requests: readonly { sPrime: RnsPoly; target: RnsPoly; seed: Uint8Array; errors: readonly Int32Array[] }[],
): { b: RnsPoly[]; a: RnsPoly[] }[] {
  const basis = ctx.basisQP;
  const digits = ctx.params.digits;
  const expand: Unit[] = []; // the longest units, claimed first
  const first: Unit[] = [];
  const second: Unit[] = [];
  const out = requests.map(({ sPrime, target, seed, errors }) => {
    const sRef = job.ref(job.input(sPrime));
    const tRef = job.ref(job.input(target));
    const seedWords = Array.from(seed);
    const b: RnsPoly[] = [];
    const a: RnsPoly[] = [];
    digits.forEach(([start, end], j) => {
      const aj = job.output(new RnsPoly(basis, 'evaluation'));
      const bj = job.output(new RnsPoly(basis, 'evaluation'));
      const aRef = job.ref(aj);
      const bRef = job.ref(bj);
      // the error's coefficients in shared memory (an Int32Array over a word-aligned buffer)
      const words = new BigUint64Array(new SharedArrayBuffer(Math.ceil(ctx.ringDegree / 2) * 8));
      new Int32Array(words.buffer).set(errors[j]!);
      const eRef = job.ref(words);
      expand.push({ op: 'expandUniform', stored: ctx.params.Q.length - 1, target: ctx.params.Q.length - 1, seed: seedWords, index: j, out: aRef, montgomery: false });
      for (let limb = 0; limb < basis.size; limb++) {
        first.push({ op: 'keyError', error: eRef, limb, out: bRef });
        second.push({ op: 'keyLimb', limb, a: aRef, b: bRef, target: tRef, ...(limb >= start && limb < end ? { sPrime: sRef } : {}) });
      }
      b.push(bj);
      a.push(aj);
    });
    return { b, a };
  });
  job.phase([...expand, ...first]);
  job.phase(second);
  job.run();
  for (const { b, a } of out) for (const p of [...b, ...a]) p.montgomery = true;
  return out;
}
