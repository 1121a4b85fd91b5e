/**
 * Sparse-secret encapsulation for bootstrapping (Bossuat–Troncoso-Pastoriza–Hubaux, "Bootstrapping for
 * approximate homomorphic encryption with negligible failure-probability by using sparse-secret encapsulation",
 * ACNS 2022; as in Lattigo's bootstrapping `EvkDenseToSparse` / `EvkSparseToDense`).
 *
 * ModRaise leaves m + q_0·I with |I| growing like √(h/12) for a secret of Hamming weight h: a dense ternary secret
 * (h ≈ 2N/3) would need a modular reduction over hundreds of periods. Instead the level-0 ciphertext is switched
 * to an ephemeral secret s' of small weight (h' = 32 by default), raised, and switched back to the main secret s:
 *
 * 1. s → s' at level 0 with a key over the tiny modulus q_0·p_0 (one special prime): b = −a·s' + e + p_0·s. This
 *    key is an RLWE sample under the sparse s', so its modulus must stay small: Lattigo's estimate gives 128-bit
 *    security for h' = 32 at N = 2^16 with a 121-bit modulus (we refuse more unless the parameters are insecure).
 * 2. ModRaise under s' (|I| ≤ (h' + 1)/2).
 * 3. s' → s at the top level with a one-digit key over Q ∪ P: b = −a·s + e + P·s'. One digit suffices because the
 *    raised c_1 is the centred lift of a residue modulo q_0, |c_1| < q_0/2 ≪ P, so the switching noise
 *    c_1·e/P is negligible (Lattigo applies its key to the same lifted c_1 in every digit, which is the same thing).
 *    This key is an RLWE sample under the main secret s, as secure as every other evaluation key.
 */
import { CkksError } from '../errors.js';
import { RnsBasis } from '../ring/rnsBasis.js';
import { RnsPoly, polyAdd, polyMul, polyNeg } from '../ring/rnsPoly.js';
import { nttInverse } from '../ring/ntt.js';
import { type RandomSource, systemRandom } from '../ring/randomSource.js';
import { sampleError, sampleTernaryHammingWeight } from '../ring/sampling.js';
import { mulScalarShoup, addMod } from '../ring/modularKernels.js';
import { shoupCompanion } from '../ring/modularScalar.js';
import type { CkksContext } from './context.js';
import { expandUniform, smallToPoly } from './keyGenerator.js';
import { SecretKey } from './keys.js';
import { KeySwitcher } from './keySwitch.js';
import { Ciphertext } from './plaintext.js';
import { checkContext } from './checks.js';
import { liftCentered } from './modRaise.js';
import { rescaleByLastPrime } from '../ring/rescale.js';

/** Largest log2(q_0·p_0) accepted for the dense-to-sparse key (Lattigo's 128-bit estimate for h' = 32, N = 2^16). */
export const MAX_LOG_EPHEMERAL_MODULUS = 121;

/** The two keys of sparse-secret encapsulation (evaluation form, plain residues). */
export class EncapsulationKeys {
  constructor(
    readonly context: CkksContext,
    /** Hamming weight h' of the ephemeral secret. */
    readonly hammingWeight: number,
    /** s → s' over {q_0, p_0}: (b, a) with b = −a·s' + e + p_0·s. */
    readonly denseToSparse: { readonly b: RnsPoly; readonly a: RnsPoly },
    /** s' → s over Q ∪ P, one digit: (b, a) with b = −a·s + e + P·s'. */
    readonly sparseToDense: { readonly b: RnsPoly; readonly a: RnsPoly },
    /** The 32-byte seeds each `a` was expanded from (`expandUniform(basis, seed, 0)`), for seeded serialisation. */
    readonly seeds?: { readonly denseToSparse: Uint8Array; readonly sparseToDense: Uint8Array },
  ) {}

  /** Bytes held (both polynomials of both keys) and bytes when serialised seeded (b and a 32-byte seed each). */
  get bytes(): { plain: number; seeded: number } {
    const words = (p: RnsPoly) => p.limbCount * p.ringDegree * 8;
    const plain = 2 * words(this.denseToSparse.b) + 2 * words(this.sparseToDense.b);
    const seeded = words(this.denseToSparse.b) + words(this.sparseToDense.b) + 64;
    return { plain, seeded };
  }
}

/** The basis {q_0, p_0} of the dense-to-sparse key. */
export function ephemeralBasis(ctx: CkksContext): RnsBasis {
  return RnsBasis.fromTables([ctx.basisQ.tables[0]!, ctx.basisP.tables[0]!]);
}

/** log2(q_0·p_0): the modulus of the dense-to-sparse key. */
export function ephemeralModulusBits(ctx: CkksContext): number {
  return Math.log2(Number(ctx.params.Q[0]!)) + Math.log2(Number(ctx.params.P[0]!));
}

/**
 * Samples an ephemeral secret of Hamming weight `hammingWeight` (default 32) and returns the two switching keys;
 * the ephemeral secret itself is dropped. INSECURE_PARAMETERS when log2(q_0·p_0) exceeds 121 bits and the
 * parameters are not marked insecure.
 */
export function generateEncapsulationKeys(
  ctx: CkksContext, sk: SecretKey, options: { hammingWeight?: number; random?: RandomSource } = {},
): EncapsulationKeys {
  if (!(sk instanceof SecretKey)) throw new TypeError('generateEncapsulationKeys: expected a SecretKey');
  ctx.assertSameParameters(sk.context, 'generateEncapsulationKeys');
  const h = options.hammingWeight ?? 32;
  const N = ctx.ringDegree;
  if (!Number.isInteger(h) || h < 1 || h > N) throw new RangeError(`ephemeral Hamming weight must be an integer in [1, N], got ${h}`);
  const bits = ephemeralModulusBits(ctx);
  if (bits > MAX_LOG_EPHEMERAL_MODULUS && !ctx.params.insecure) {
    throw new CkksError('INSECURE_PARAMETERS', `the dense-to-sparse key lives modulo q_0·p_0 = 2^${bits.toFixed(1)}; with a sparse secret of weight ${h} it must stay ≤ 2^${MAX_LOG_EPHEMERAL_MODULUS} (choose smaller q_0 / p_0)`);
  }
  const random = options.random ?? systemRandom;
  const sigma = ctx.params.sigma;
  const error = (basis: RnsBasis) => smallToPoly(basis, sampleError(N, sigma, random));
  const sparse = sampleTernaryHammingWeight(N, h, random);
  const seed = (): Uint8Array => {
    const s = new Uint8Array(32);
    random.fillBytes(s);
    return s;
  };

  // s → s' over {q_0, p_0}
  const small = ephemeralBasis(ctx);
  const seed1 = seed();
  const a1 = expandUniform(small, seed1, 0);
  const b1 = keyBody(a1, smallToPoly(small, sparse), error(small));
  addScaledLimb(b1, 0, sk.poly.limb(0), ctx.params.P[0]!); // p_0·s lives modulo q_0 only

  // s' → s over Q ∪ P, one digit
  const full = ctx.basisQP;
  const sPrime = smallToPoly(full, sparse);
  const seed2 = seed();
  const a2 = expandUniform(full, seed2, 0);
  const b2 = keyBody(a2, sk.poly, error(full));
  const P = ctx.params.P.reduce((x, y) => x * y, 1n);
  for (let i = 0; i < ctx.params.Q.length; i++) addScaledLimb(b2, i, sPrime.limb(i), P);
  sparse.fill(0);
  return new EncapsulationKeys(ctx, h, { b: b1, a: a1 }, { b: b2, a: a2 }, { denseToSparse: seed1, sparseToDense: seed2 });
}

/** −a·s + e. */
function keyBody(a: RnsPoly, s: RnsPoly, e: RnsPoly): RnsPoly {
  const b = polyMul(a, s, new RnsPoly(a.basis, 'evaluation'));
  polyNeg(b, b);
  return polyAdd(b, e, b);
}

/** b.limb(i) += (factor mod q_i)·x (x a limb in evaluation form). */
function addScaledLimb(b: RnsPoly, i: number, x: BigUint64Array, factor: bigint): void {
  const q = b.basis.moduli[i]!.value;
  const w = factor % q;
  const scratch = new BigUint64Array(x.length);
  mulScalarShoup(x, w, shoupCompanion(w, q), scratch, q);
  addMod(b.limb(i), scratch, b.limb(i), q);
}

/** The coefficients (mod q_0) of a level-0 polynomial, from either form. */
function coefficientsModQ0(ctx: CkksContext, p: RnsPoly): BigUint64Array {
  const c = p.limb(0).slice();
  if (p.form === 'evaluation') nttInverse(c, ctx.basisQ.tables[0]!);
  return c;
}

function checkLevelZero(ctx: CkksContext, ct: Ciphertext, what: string): void {
  checkContext(ctx, ct, what);
  if (ct.level !== 0) throw new CkksError('LEVEL_MISMATCH', `${what}: the ciphertext must be at level 0, it is at level ${ct.level}`);
  if (ct.degree !== 1) throw new RangeError(`${what}: relinearise first (degree ${ct.degree})`);
}

/**
 * Step 1: the level-0 ciphertext re-encrypted under the ephemeral secret s' (c_1 switched with the key over
 * {q_0, p_0}, divided by p_0 with rounding). Noise added: ≈ ‖c_1·e‖/p_0 + ‖s'‖, a few bits.
 */
export function switchToEphemeral(ctx: CkksContext, keys: EncapsulationKeys, ct: Ciphertext): Ciphertext {
  checkLevelZero(ctx, ct, 'switchToEphemeral');
  ctx.assertSameParameters(keys.context, 'switchToEphemeral');
  const small = keys.denseToSparse.b.basis;
  const d = liftCentered(coefficientsModQ0(ctx, ct.parts[1]!), ctx.params.Q[0]!, small, new RnsPoly(small, 'coefficient')).toEvaluation();
  const level0 = ctx.levelBasis(0);
  const [u0, u1] = [keys.denseToSparse.b, keys.denseToSparse.a].map((k) => {
    const rounded = rescaleByLastPrime(polyMul(d, k, new RnsPoly(small, 'evaluation')));
    return new RnsPoly(level0, 'evaluation', rounded.data);
  }) as [RnsPoly, RnsPoly];
  const c0 = ct.parts[0]!.form === 'evaluation' ? ct.parts[0]! : ct.parts[0]!.clone().toEvaluation();
  polyAdd(u0, c0, u0);
  return new Ciphertext(ctx, [u0, u1], ct.scale, ct.slots);
}

/**
 * Steps 2–3: a level-0 ciphertext under s' raised to `level` (default the top) and switched back to the main
 * secret: decrypts under s to m + q_0·I with |I| ≤ (h' + 1)/2.
 */
export function modRaiseFromEphemeral(ctx: CkksContext, keys: EncapsulationKeys, ct: Ciphertext, level: number = ctx.maxLevel): Ciphertext {
  checkLevelZero(ctx, ct, 'modRaiseFromEphemeral');
  ctx.assertSameParameters(keys.context, 'modRaiseFromEphemeral');
  ctx.checkLevel(level);
  const q0 = ctx.params.Q[0]!;
  const basisQ = ctx.levelBasis(level);
  const basisQP = ctx.levelBasisQP(level);
  const c0 = liftCentered(coefficientsModQ0(ctx, ct.parts[0]!), q0, basisQ, new RnsPoly(basisQ, 'coefficient')).toEvaluation();
  const d = liftCentered(coefficientsModQ0(ctx, ct.parts[1]!), q0, basisQP, new RnsPoly(basisQP, 'coefficient')).toEvaluation();
  const switcher = new KeySwitcher(ctx);
  const [u0, u1] = [keys.sparseToDense.b, keys.sparseToDense.a].map((k) => {
    const v = polyMul(d, selectLevel(ctx, k, level), new RnsPoly(basisQP, 'evaluation'));
    return switcher.modDown(v, level);
  }) as [RnsPoly, RnsPoly];
  polyAdd(u0, c0, u0);
  return new Ciphertext(ctx, [u0, u1], ct.scale, ct.slots);
}

/** The limbs q_0 … q_level, p_0 … of a polynomial over the full Q ∪ P (a copy over `levelBasisQP(level)`). */
function selectLevel(ctx: CkksContext, x: RnsPoly, level: number): RnsPoly {
  if (level === ctx.maxLevel) return x;
  const basis = ctx.levelBasisQP(level);
  const out = new RnsPoly(basis, x.form);
  const n = ctx.ringDegree;
  out.data.set(x.data.subarray(0, (level + 1) * n), 0);
  out.data.set(x.data.subarray((ctx.maxLevel + 1) * n), (level + 1) * n);
  return out;
}
