/**
 * Key-free homomorphic arithmetic on CKKS ciphertexts (Cheon–Kim–Kim–Song 2017; RNS form as in
 * Cheon–Han–Kim–Kim–Song 2018): addition, subtraction, negation, products with plaintexts and constants,
 * the ciphertext tensor product (before relinearisation), rescaling and level dropping.
 * Every function checks parameters, levels, scales and slot counts and writes into `out` when given.
 * All polynomials stay in evaluation form.
 */
import { CkksError } from '../errors.js';
import { RnsPoly, polyAdd, polyMul, polyNeg, polySub, releasePoly } from '../ring/rnsPoly.js';
import { addMod, addScalarMod, mulMod, mulScalarShoup } from '../ring/modularKernels.js';
import { mod, shoupCompanion } from '../ring/modularScalar.js';
import type { RnsBasis } from '../ring/rnsBasis.js';
import type { CkksContext } from './context.js';
import { Ciphertext, Plaintext } from './plaintext.js';
import {
  checkCanRescale, checkContext, checkFitsModulus, checkOutput, checkRescaledScale, checkSameLevel, checkSameScale, checkSameSlots,
} from './checks.js';
import { rescaleByLastPrime } from '../ring/rescale.js';
import { jobFor, mulPlainSplit, rescaleSplit, tensorSplit } from '../parallel/schemeJobs.js';

/** A real or complex constant. */
export type Constant = number | { re: number; im: number };

/** Options of `mulConstant`. */
export interface MulConstantOptions {
  /** Scale at which the constant is encoded (default q_ℓ, so that a rescale restores the input scale exactly). */
  constantScale?: number;
}

/**
 * The ciphertext an operation writes: `out` after `checkOutput` (degree `degree`, the template's level and slot
 * count), or a new one. Takes the template's scale; the seed is cleared (c_1 is about to change).
 */
function prepareOut(ctx: CkksContext, template: Ciphertext, degree: number, out: Ciphertext | undefined, what: string, noAlias?: readonly Ciphertext[]): Ciphertext {
  if (out === undefined) {
    const basis = template.parts[0]!.basis;
    return new Ciphertext(ctx, Array.from({ length: degree + 1 }, () => new RnsPoly(basis, 'evaluation')), template.scale, template.slots);
  }
  checkOutput(ctx, out, { degree, level: template.level, slots: template.slots }, what, noAlias);
  out.scale = template.scale;
  out.seed = undefined;
  return out;
}

/**
 * Returns `result`, or copies it into `out` (checked by `checkOutput`: same degree, level and slot count) and
 * returns `out`: how operations that compute into fresh polynomials (key switching, rotations) honour `out`.
 */
export function deliver(ctx: CkksContext, result: Ciphertext, out: Ciphertext | undefined, what: string): Ciphertext {
  if (out === undefined || out === result) return result;
  checkOutput(ctx, out, result, what);
  result.parts.forEach((p, i) => out.parts[i]!.copyFrom(p));
  out.scale = result.scale;
  out.seed = result.seed;
  return out;
}

/**
 * As `deliver`, for a result the scheme has just allocated and nothing else references: once it is copied into `out`,
 * its memory goes back to the thread pool's recycler (`releasePoly`; without a pool nothing happens), so an operation
 * given an `out` allocates no fresh shared memory in steady state. That matters: a fresh `SharedArrayBuffer` costs its
 * page faults on first touch (measured on the project's 2-core VM: 28 ms for the 10.5 MB of a ciphertext at N = 2^15
 * with 20 limbs, against 0.3 ms for an ordinary `ArrayBuffer`, which malloc recycles).
 */
export function deliverFresh(ctx: CkksContext, result: Ciphertext, out: Ciphertext | undefined, what: string): Ciphertext {
  const delivered = deliver(ctx, result, out, what);
  if (delivered !== result) releasePoly(...result.parts);
  return delivered;
}

/** out = a + b (ciphertexts of any degree, or a plaintext as b). */
export function add(ctx: CkksContext, a: Ciphertext, b: Ciphertext | Plaintext, out?: Ciphertext): Ciphertext {
  return addOrSub(ctx, a, b, out, false);
}

/** out = a − b. */
export function sub(ctx: CkksContext, a: Ciphertext, b: Ciphertext | Plaintext, out?: Ciphertext): Ciphertext {
  return addOrSub(ctx, a, b, out, true);
}

function addOrSub(ctx: CkksContext, a: Ciphertext, b: Ciphertext | Plaintext, out: Ciphertext | undefined, subtract: boolean): Ciphertext {
  const what = subtract ? 'sub' : 'add';
  checkContext(ctx, a, what);
  checkContext(ctx, b, what);
  checkSameLevel(a, b, what);
  checkSameScale(a, b, what);
  checkSameSlots(a, b, what);
  const op = subtract ? polySub : polyAdd;
  if (b instanceof Plaintext) {
    const r = prepareOut(ctx, a, a.degree, out, what);
    op(a.parts[0]!, b.poly, r.parts[0]!);
    for (let i = 1; i < a.parts.length; i++) if (r.parts[i] !== a.parts[i]) r.parts[i]!.copyFrom(a.parts[i]!);
    return r;
  }
  const degree = Math.max(a.degree, b.degree);
  const r = prepareOut(ctx, a, degree, out, what);
  for (let i = 0; i <= degree; i++) {
    const x = a.parts[i];
    const y = b.parts[i];
    if (x !== undefined && y !== undefined) op(x, y, r.parts[i]!);
    else if (x !== undefined) r.parts[i]!.copyFrom(x);
    else if (subtract) polyNeg(y!, r.parts[i]!);
    else r.parts[i]!.copyFrom(y!);
  }
  return r;
}

/** out = −a. */
export function neg(ctx: CkksContext, a: Ciphertext, out?: Ciphertext): Ciphertext {
  checkContext(ctx, a, 'neg');
  const r = prepareOut(ctx, a, a.degree, out, 'neg');
  for (let i = 0; i < a.parts.length; i++) polyNeg(a.parts[i]!, r.parts[i]!);
  return r;
}

/** The integer round(c·scale) reduced modulo each prime of the basis, as a list of residues. */
function constantResidues(value: number, scale: number, moduli: readonly { value: bigint }[]): bigint[] {
  const x = Math.round(value * scale);
  if (!Number.isFinite(x)) throw new RangeError('constant × scale is not a finite number');
  const big = BigInt(x);
  return moduli.map((m) => mod(big, m.value));
}

function checkConstant(c: Constant): { re: number; im: number } {
  if (typeof c === 'number') {
    if (!Number.isFinite(c)) throw new RangeError('constant must be finite');
    return { re: c, im: 0 };
  }
  if (typeof c !== 'object' || c === null || !Number.isFinite(c.re) || !Number.isFinite(c.im)) {
    throw new TypeError('constant must be a finite number or { re, im } of finite numbers');
  }
  return c;
}

/**
 * The polynomial round(re·scale) + round(im·scale)·X^{N/2} over `basis`, in evaluation form: every slot holds
 * re + i·im (X^{N/2} evaluates to i at every ζ^{5^j}).
 */
function complexConstantPoly(ctx: CkksContext, basis: RnsBasis, re: number, im: number, scale: number): RnsPoly {
  const constPoly = new RnsPoly(basis, 'coefficient');
  const reRes = constantResidues(re, scale, basis.moduli);
  const imRes = constantResidues(im, scale, basis.moduli);
  const half = ctx.ringDegree / 2;
  for (let l = 0; l < basis.size; l++) {
    constPoly.limb(l)[0] = reRes[l]!;
    constPoly.limb(l)[half] = imRes[l]!;
  }
  return constPoly.toEvaluation();
}

/**
 * Adds the constant polynomial round(c·Δ_a) (all slots += c). A complex constant uses X^{N/2}, whose
 * value is i in every slot (ζ^{5^j·N/2} = i^{5^j} = i).
 */
export function addConstant(ctx: CkksContext, a: Ciphertext, c: Constant, out?: Ciphertext): Ciphertext {
  checkContext(ctx, a, 'addConstant');
  const { re, im } = checkConstant(c);
  checkFitsModulus(a, a.scale, 'addConstant', Math.hypot(re, im));
  const r = prepareOut(ctx, a, a.degree, out, 'addConstant');
  for (let i = 1; i < a.parts.length; i++) if (r.parts[i] !== a.parts[i]) r.parts[i]!.copyFrom(a.parts[i]!);
  const basis = a.parts[0]!.basis;
  const reRes = constantResidues(re, a.scale, basis.moduli);
  const src = a.parts[0]!;
  const dst = r.parts[0]!;
  if (im === 0) {
    // A constant polynomial has the same value at every evaluation point: add it limb by limb.
    for (let l = 0; l < basis.size; l++) addScalarMod(src.limb(l), reRes[l]!, dst.limb(l), basis.moduli[l]!.value);
    return r;
  }
  polyAdd(src, complexConstantPoly(ctx, basis, re, im, a.scale), dst);
  return r;
}

/**
 * out = a · round(c·constantScale); the output scale is a.scale · constantScale. The default constant scale
 * is the last prime q_ℓ, so that a following rescale returns exactly to a.scale. Integer constants can be
 * multiplied exactly with `{ constantScale: 1 }`.
 */
export function mulConstant(ctx: CkksContext, a: Ciphertext, c: Constant, options: MulConstantOptions = {}, out?: Ciphertext): Ciphertext {
  checkContext(ctx, a, 'mulConstant');
  const { re, im } = checkConstant(c);
  if (typeof options !== 'object' || options === null) throw new TypeError('mulConstant: options must be an object such as { constantScale }');
  const basis = a.parts[0]!.basis;
  const cs = options.constantScale ?? Number(basis.moduli[basis.size - 1]!.value);
  if (!(cs >= 1 && Number.isFinite(cs))) throw new RangeError(`constant scale must be finite and ≥ 1, got ${cs}`);
  // the product holds c·m at scale a.scale·cs: it must fit, and so must round(c·cs) itself (magnitude ≥ 1 below)
  checkFitsModulus(a, a.scale * cs, 'mulConstant', Math.hypot(re, im));
  const r = prepareOut(ctx, a, a.degree, out, 'mulConstant');
  if (im === 0) {
    const res = constantResidues(re, cs, basis.moduli);
    for (let i = 0; i < a.parts.length; i++) {
      for (let l = 0; l < basis.size; l++) {
        const q = basis.moduli[l]!.value;
        mulScalarShoup(a.parts[i]!.limb(l), res[l]!, shoupCompanion(res[l]!, q), r.parts[i]!.limb(l), q);
      }
    }
  } else {
    const constPoly = complexConstantPoly(ctx, basis, re, im, cs);
    for (let i = 0; i < a.parts.length; i++) polyMul(a.parts[i]!, constPoly, r.parts[i]!);
  }
  r.scale = a.scale * cs;
  return r;
}

/** out = a · pt (plaintext at the same level; scales multiply). */
export function mulPlain(ctx: CkksContext, a: Ciphertext, pt: Plaintext, out?: Ciphertext): Ciphertext {
  checkContext(ctx, a, 'mulPlain');
  checkContext(ctx, pt, 'mulPlain');
  checkSameLevel(a, pt, 'mulPlain');
  checkSameSlots(a, pt, 'mulPlain');
  checkFitsModulus(a, a.scale * pt.scale, 'mulPlain');
  const r = prepareOut(ctx, a, a.degree, out, 'mulPlain');
  const job = jobFor(ctx, (a.parts.length * (a.level + 1)) / 4);
  if (job !== undefined) {
    for (const p of [...a.parts, pt.poly]) p.requireForm('evaluation', 'polyMul');
    mulPlainSplit(job, a.level, a.parts, pt.poly, r.parts);
    for (const p of r.parts) p.form = 'evaluation';
  } else {
    for (let i = 0; i < a.parts.length; i++) polyMul(a.parts[i]!, pt.poly, r.parts[i]!);
  }
  r.scale = a.scale * pt.scale;
  return r;
}

/**
 * Tensor product of two degree-1 ciphertexts: (a0 + a1·s)(b0 + b1·s) = d0 + d1·s + d2·s² with
 * d0 = a0·b0, d1 = a0·b1 + a1·b0, d2 = a1·b1. Returns a degree-2 ciphertext (relinearise next).
 */
export function mulNoRelin(ctx: CkksContext, a: Ciphertext, b: Ciphertext, out?: Ciphertext): Ciphertext {
  checkContext(ctx, a, 'mul');
  checkContext(ctx, b, 'mul');
  checkSameLevel(a, b, 'mul');
  checkSameSlots(a, b, 'mul');
  if (a.degree !== 1 || b.degree !== 1) {
    throw new RangeError(`mul: both operands must be degree-1 ciphertexts (relinearise first), got degrees ${a.degree} and ${b.degree}`);
  }
  checkFitsModulus(a, a.scale * b.scale, 'mul');
  const r = prepareOut(ctx, a, 2, out, 'mul', [a, b]);
  const basis = a.parts[0]!.basis;
  const [a0, a1] = a.parts as [RnsPoly, RnsPoly];
  const [b0, b1] = b.parts as [RnsPoly, RnsPoly];
  const [d0, d1, d2] = r.parts as [RnsPoly, RnsPoly, RnsPoly];
  for (const p of [a0, a1, b0, b1]) p.requireForm('evaluation', 'mul');
  const job = jobFor(ctx, basis.size);
  if (job !== undefined) {
    tensorSplit(job, a.level, [a0, a1], [b0, b1], [d0, d1, d2]);
    for (const p of r.parts) p.form = 'evaluation';
    r.scale = a.scale * b.scale;
    return r;
  }
  const scratch = new BigUint64Array(basis.ringDegree);
  for (let l = 0; l < basis.size; l++) {
    const m = basis.moduli[l]!;
    const q = m.value;
    mulMod(a0.limb(l), b0.limb(l), d0.limb(l), q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
    mulMod(a1.limb(l), b1.limb(l), d2.limb(l), q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
    mulMod(a0.limb(l), b1.limb(l), d1.limb(l), q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
    mulMod(a1.limb(l), b0.limb(l), scratch, q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
    addMod(d1.limb(l), scratch, d1.limb(l), q);
  }
  for (const p of r.parts) p.form = 'evaluation';
  r.scale = a.scale * b.scale;
  return r;
}

/**
 * Divides by the last prime q_ℓ with rounding: level ℓ → ℓ − 1, scale → scale / q_ℓ. With `out` (a ciphertext of
 * the same degree at level ℓ − 1) the result is written there and nothing is allocated but one scratch limb.
 */
export function rescale(ctx: CkksContext, a: Ciphertext, out?: Ciphertext, scratch?: BigUint64Array): Ciphertext {
  checkContext(ctx, a, 'rescale');
  checkCanRescale(a, 'rescale');
  const basis = a.parts[0]!.basis;
  const qLast = Number(basis.moduli[basis.size - 1]!.value);
  checkRescaledScale(ctx, a.scale / qLast, 'rescale');
  const tmp = scratch ?? new BigUint64Array(basis.ringDegree);
  const job = a.parts.length < 2 ? undefined : jobFor(ctx, a.parts.length * basis.size);
  if (job !== undefined) {
    for (const p of a.parts) p.requireForm('evaluation', 'rescale');
    if (out !== undefined) checkOutput(ctx, out, { degree: a.degree, level: a.level - 1, slots: a.slots }, 'rescale');
    const target = out ?? new Ciphertext(ctx, a.parts.map(() => new RnsPoly(basis.prefix(basis.size - 1), 'evaluation')), a.scale, a.slots);
    rescaleSplit(job, a.level, a.parts, target.parts);
    for (const p of target.parts) p.form = 'evaluation';
    target.scale = a.scale / qLast;
    target.seed = undefined;
    return target;
  }
  if (out !== undefined) {
    checkOutput(ctx, out, { degree: a.degree, level: a.level - 1, slots: a.slots }, 'rescale');
    a.parts.forEach((p, i) => rescaleByLastPrime(p, out.parts[i], tmp));
    out.scale = a.scale / qLast;
    out.seed = undefined;
    return out;
  }
  const parts = a.parts.map((p) => rescaleByLastPrime(p, undefined, tmp));
  return new Ciphertext(ctx, parts, a.scale / qLast, a.slots);
}

/** Drops `count` primes from the top without dividing (scale unchanged): to align levels. Copies (into `out`). */
export function dropLevels(ctx: CkksContext, a: Ciphertext, count: number, out?: Ciphertext): Ciphertext {
  checkContext(ctx, a, 'dropLevels');
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`dropLevels: count must be a non-negative integer, got ${count}`);
  if (count > a.level) throw new CkksError('DEPTH_EXHAUSTED', `dropLevels: cannot drop ${count} levels from level ${a.level}`);
  if (out !== undefined) {
    checkOutput(ctx, out, { degree: a.degree, level: a.level - count, slots: a.slots }, 'dropLevels');
    a.parts.forEach((p, i) => out.parts[i]!.copyFrom(p.dropLastLimbs(count)));
    out.scale = a.scale;
    out.seed = undefined;
    return out;
  }
  return new Ciphertext(ctx, a.parts.map((p) => p.dropLastLimbs(count).clone()), a.scale, a.slots);
}

/**
 * Brings the scale to `targetScale` at the cost of one level: multiplies by the integer
 * f = round(targetScale·q_ℓ/a.scale), then rescales by q_ℓ, and declares the scale to be targetScale.
 * The true scale is a.scale·f/q_ℓ, so the message picks up a relative error ≤ 1/(2f) (≤ 2^-41 for
 * f ≥ 2^40) — far below the rescaling noise, and included in the bounds the tests check.
 */
export function setScale(ctx: CkksContext, a: Ciphertext, targetScale: number, out?: Ciphertext): Ciphertext {
  checkContext(ctx, a, 'setScale');
  checkCanRescale(a, 'setScale');
  const basis = a.parts[0]!.basis;
  const qLast = Number(basis.moduli[basis.size - 1]!.value);
  if (!(Number.isFinite(targetScale) && targetScale > 0)) throw new RangeError(`setScale: target scale must be a positive finite number, got ${targetScale}`);
  checkRescaledScale(ctx, targetScale, 'setScale');
  const factor = (targetScale * qLast) / a.scale;
  if (!(factor >= 1)) throw new RangeError(`setScale: target scale 2^${Math.log2(targetScale).toFixed(2)} is too small for this ciphertext`);
  const scaled = mulConstant(ctx, a, Math.round(factor), { constantScale: 1 });
  scaled.scale = a.scale * Math.round(factor); // the integer factor is part of the scale, not of the message
  const r = rescale(ctx, scaled, out);
  r.scale = targetScale;
  return r;
}

/** A fresh copy of a plaintext at a lower level (drops primes, scale unchanged). */
export function dropPlaintextLevels(ctx: CkksContext, pt: Plaintext, count: number): Plaintext {
  checkContext(ctx, pt, 'dropPlaintextLevels');
  if (!Number.isInteger(count) || count < 0 || count > pt.level) throw new RangeError(`cannot drop ${count} levels from level ${pt.level}`);
  return new Plaintext(ctx, pt.poly.dropLastLimbs(count).clone(), pt.scale, pt.slots);
}
