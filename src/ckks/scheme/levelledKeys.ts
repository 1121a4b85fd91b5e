/**
 * Switching keys restricted to the levels they are used at. A key-switching key over Q ∪ P has one pair per digit
 * of Q (Han–Ki 2020); a key that is only ever applied at levels ≤ m needs only the limbs q_0 … q_m, p_0 … p_{k−1}
 * and the digits that start at or below m. Bootstrapping's SlotsToCoeffs keys, used around level 10 of a 25-level
 * chain at N = 2^16, shrink to a third; the key report (circuits/bootstrapping) counts their bytes exactly.
 *
 * Same construction as KeyGenerator (b_j = −a_j·target + e_j + P·T_j·s' with T_j ≡ 1 on the primes of digit j),
 * over the basis Q_m ∪ P; `a_j` is expanded from a fresh seed over that basis, so a truncated key is not
 * interchangeable with a full one of the same seed. The key switcher reads the key's limb count (a key truncated
 * below the level it is applied at is MISSING_KEY there).
 */
import { RnsPoly, polyAdd, polyMul, polyNeg } from '../ring/rnsPoly.js';
import { addMod, mulScalarShoup } from '../ring/modularKernels.js';
import { shoupCompanion } from '../ring/modularScalar.js';
import { type RandomSource, systemRandom } from '../ring/randomSource.js';
import { sampleGaussian } from '../ring/sampling.js';
import { applyAutomorphism, inverseGaloisElement } from '../ring/automorphism.js';
import type { CkksContext } from './context.js';
import { expandUniform, smallToPoly } from './keyGenerator.js';
import { GaloisKey, RelinearizationKey, SecretKey, toMontgomeryForm } from './keys.js';

/** The limbs q_0 … q_m, p_0 … of a polynomial over the full Q ∪ P, as a new polynomial over `levelBasisQP(m)`. */
export function restrictToLevel(ctx: CkksContext, x: RnsPoly, level: number): RnsPoly {
  ctx.basisQP.assertSame(x.basis, 'restrictToLevel');
  const basis = ctx.levelBasisQP(level);
  const out = new RnsPoly(basis, x.form);
  const n = ctx.ringDegree;
  out.data.set(x.data.subarray(0, (level + 1) * n), 0);
  out.data.set(x.data.subarray((ctx.maxLevel + 1) * n), (level + 1) * n);
  return out;
}

/**
 * Where each limb of a polynomial over Q_M ∪ P (`stored` = M) goes in the same polynomial restricted to Q_m ∪ P
 * (`target` = m ≤ M): q_0 … q_m keep their index, q_{m+1} … q_M are dropped (−1), p_j moves from M + 1 + j to m + 1 + j.
 */
export function levelLimbMap(stored: number, target: number): (limb: number) => number {
  if (!(Number.isInteger(stored) && Number.isInteger(target) && target >= 0 && target <= stored)) throw new RangeError(`levelLimbMap: need integers 0 ≤ target ≤ stored, got ${target}, ${stored}`);
  return (l) => (l <= target ? l : l > stored ? l - stored + target : -1);
}

/** Number of key-switching digits a key needs at levels ≤ m. */
export function digitsUpToLevel(ctx: CkksContext, level: number): number {
  return ctx.params.digitsAtLevel(level).length;
}

/** Bytes of a switching key restricted to level m: 2·digits·(m + 1 + k)·N·8, and seeded (b only, + 32). */
export function levelledKeyBytes(ctx: CkksContext, level: number): { plain: number; seeded: number } {
  const words = digitsUpToLevel(ctx, level) * (level + 1 + ctx.params.P.length) * ctx.ringDegree;
  return { plain: 2 * words * 8, seeded: words * 8 + 32 };
}

function checkArguments(ctx: CkksContext, sk: SecretKey, level: number): void {
  if (!(sk instanceof SecretKey)) throw new TypeError('expected a SecretKey');
  ctx.assertSameParameters(sk.context, 'levelled key generation');
  ctx.checkLevel(level);
}

/** b_j, a_j over Q_m ∪ P for s' → target, both given over Q_m ∪ P (Montgomery form, as the key switcher expects). */
function switchingKeyParts(ctx: CkksContext, sPrime: RnsPoly, target: RnsPoly, level: number, random: RandomSource): { b: RnsPoly[]; a: RnsPoly[]; seed: Uint8Array } {
  const basis = ctx.levelBasisQP(level);
  const seed = new Uint8Array(32);
  random.fillBytes(seed);
  const P = ctx.params.P.reduce((x, y) => x * y, 1n);
  const p = ctx.params;
  const scratch = new BigUint64Array(ctx.ringDegree);
  const b: RnsPoly[] = [];
  const a: RnsPoly[] = [];
  p.digitsAtLevel(level).forEach(([start, end], j) => {
    const aj = expandUniform(basis, seed, j);
    const bj = polyMul(aj, target, new RnsPoly(basis, 'evaluation'));
    polyNeg(bj, bj);
    polyAdd(bj, smallToPoly(basis, sampleGaussian(p.ringDegree, p.sigma, 6 * p.sigma, random)), bj);
    for (let i = start; i < end; i++) {
      const q = basis.moduli[i]!.value;
      const w = P % q;
      mulScalarShoup(sPrime.limb(i), w, shoupCompanion(w, q), scratch, q);
      addMod(bj.limb(i), scratch, bj.limb(i), q);
    }
    b.push(toMontgomeryForm(bj));
    a.push(toMontgomeryForm(aj));
  });
  return { b, a, seed };
}

/** A Galois key for `galoisElement` usable at levels ≤ `level` (switches s → σ_k^{-1}(s), like KeyGenerator's). */
export function levelledGaloisKey(ctx: CkksContext, sk: SecretKey, galoisElement: number, level: number, random: RandomSource = systemRandom): GaloisKey {
  checkArguments(ctx, sk, level);
  const twoN = 2 * ctx.ringDegree;
  if (!Number.isInteger(galoisElement) || galoisElement <= 1 || galoisElement >= twoN || galoisElement % 2 === 0) {
    throw new RangeError(`Galois element must be odd in (1, 2N = ${twoN}), got ${galoisElement}`);
  }
  const s = restrictToLevel(ctx, sk.poly, level);
  const target = applyAutomorphism(s, inverseGaloisElement(galoisElement, ctx.ringDegree), new RnsPoly(s.basis, 'evaluation'));
  const { b, a, seed } = switchingKeyParts(ctx, s, target, level, random);
  return new GaloisKey(ctx, galoisElement, b, a, seed);
}

/** A relinearisation key (s² → s) usable at levels ≤ `level`. */
export function levelledRelinearizationKey(ctx: CkksContext, sk: SecretKey, level: number, random: RandomSource = systemRandom): RelinearizationKey {
  checkArguments(ctx, sk, level);
  const s = restrictToLevel(ctx, sk.poly, level);
  const s2 = polyMul(s, s, new RnsPoly(s.basis, 'evaluation'));
  const { b, a, seed } = switchingKeyParts(ctx, s2, s, level, random);
  return new RelinearizationKey(ctx, b, a, seed);
}
