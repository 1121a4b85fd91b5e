/**
 * ModRaise, the first step of CKKS bootstrapping (Cheon–Han–Kim–Kim–Song, "Bootstrapping for approximate
 * homomorphic encryption", Eurocrypt 2018, §3): a ciphertext at level 0, (c_0, c_1) modulo q_0, is read as the
 * same integer polynomials (centred in [−q_0/2, q_0/2)) modulo the whole chain Q_ℓ. It then decrypts to
 * t = c_0 + c_1·s = m + q_0·I over the integers, where I is a small integer polynomial (|I| ≲ (‖s‖_1 + 1)/2):
 * the rest of bootstrapping removes q_0·I with a homomorphic modular reduction.
 *
 * The centred lift of a residue c ∈ [0, q_0) into a prime q is ((c + H) mod q_0) − H mod q with H = ⌊q_0/2⌋:
 * one modular addition modulo q_0 and one Barrett reduction with a constant per target prime (the same trick
 * as rescaling, see rescale.ts), no BigInt per coefficient.
 */
import { CkksError } from '../errors.js';
import { RnsPoly } from '../ring/rnsPoly.js';
import type { RnsBasis } from '../ring/rnsBasis.js';
import { addScalarMod, reduceBarrettAddScalar } from '../ring/modularKernels.js';
import { nttInverse } from '../ring/ntt.js';
import type { CkksContext } from './context.js';
import { Ciphertext } from './plaintext.js';
import { checkContext } from './checks.js';

/**
 * The centred lift of `residues` (coefficient form, values in [0, q) for the modulus q = `modulus`) into every
 * limb of `basis`, written into `out` (coefficient form over `basis`): each coefficient c becomes its centred
 * representative ((c + ⌊q/2⌋) mod q) − ⌊q/2⌋ ∈ [−⌊q/2⌋, q − ⌊q/2⌋), reduced modulo each prime of `basis`.
 */
export function liftCentered(residues: BigUint64Array, modulus: bigint, basis: RnsBasis, out: RnsPoly): RnsPoly {
  basis.assertSame(out.basis, 'liftCentered');
  const n = basis.ringDegree;
  if (residues.length !== n) throw new RangeError(`liftCentered: ${residues.length} residues for N = ${n}`);
  const half = modulus >> 1n;
  const shifted = new BigUint64Array(n);
  addScalarMod(residues, half, shifted, modulus); // (c + H) mod q ∈ [0, q)
  for (let l = 0; l < basis.size; l++) {
    const m = basis.moduli[l]!;
    const minusHalf = (m.value - (half % m.value)) % m.value;
    reduceBarrettAddScalar(shifted, minusHalf, out.limb(l), m.value, m.barrett);
  }
  out.form = 'coefficient';
  return out;
}

/**
 * The level-0 ciphertext `ct` (degree 1) raised to `level` (default: the top of the chain): every polynomial
 * is centred modulo q_0 and reduced modulo q_0 … q_level, in evaluation form. Scale and slot count are kept;
 * the result decrypts to m + q_0·I (see the header), which is what the bootstrapping circuit expects.
 * LEVEL_MISMATCH unless `ct` is at level 0.
 */
export function modRaise(ctx: CkksContext, ct: Ciphertext, level: number = ctx.maxLevel): Ciphertext {
  checkContext(ctx, ct, 'modRaise');
  if (ct.level !== 0) throw new CkksError('LEVEL_MISMATCH', `modRaise: the ciphertext must be at level 0, it is at level ${ct.level} (dropLevels first)`);
  if (ct.degree !== 1) throw new RangeError(`modRaise: relinearise first (ciphertext degree ${ct.degree})`);
  ctx.checkLevel(level);
  const basis = ctx.levelBasis(level);
  const q0 = ctx.params.Q[0]!;
  const table = ctx.levelBasis(0).tables[0]!;
  const parts = ct.parts.map((p) => {
    const coefficients = p.limb(0).slice();
    if (p.form === 'evaluation') nttInverse(coefficients, table);
    return liftCentered(coefficients, q0, basis, new RnsPoly(basis, 'coefficient')).toEvaluation();
  });
  return new Ciphertext(ctx, parts, ct.scale, ct.slots);
}
