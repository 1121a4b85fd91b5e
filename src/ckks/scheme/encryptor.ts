/**
 * Encryption and decryption (Cheon–Kim–Kim–Song 2017 §3.4).
 * Public key:  c = ModDown_P(b·u + e_0, a·u + e_1) + (m, 0) with u ternary, e_0, e_1 Gaussian, computed over
 *              Q_ℓ ∪ P and divided by P (as SEAL and Lattigo do): the fresh noise shrinks from ≈ N·σ to the
 *              rounding term ≈ k_P·(1 + ‖s‖) — about 30× smaller at N = 2^13.
 * Secret key:  c = (−a·s + e + m, a) with a uniform, expanded from a fresh 32-byte seed (kept on the
 *              ciphertext so it can be serialised seeded: half the size).
 * Decryption:  m' = Σ_i c_i·s^i (degree 1 or 2), returned as a plaintext at the ciphertext's level/scale.
 */
import { RnsPoly, polyAdd, polyMul, polyNeg, releasePoly } from '../ring/rnsPoly.js';
import { deliverFresh } from './arithmetic.js';
import { type RandomSource, systemRandom } from '../ring/randomSource.js';
import { sampleError, sampleTernaryUniform } from '../ring/sampling.js';
import type { CkksContext } from './context.js';
import { expandUniform, smallToCoefficientPoly, smallToPoly } from './keyGenerator.js';
import type { PublicKey, SecretKey } from './keys.js';
import { Ciphertext, Plaintext } from './plaintext.js';
import { checkContext } from './checks.js';
import { KeySwitcher } from './keySwitch.js';

/** The limbs q_0 … q_ℓ, p_0 … p_{k−1} of a polynomial over the full Q ∪ P (copied into a new polynomial). */
function selectLevelQP(ctx: CkksContext, x: RnsPoly, level: number): RnsPoly {
  const basis = ctx.levelBasisQP(level);
  const out = new RnsPoly(basis, x.form);
  const n = ctx.ringDegree;
  const L = ctx.maxLevel;
  out.data.set(x.data.subarray(0, (level + 1) * n), 0);
  out.data.set(x.data.subarray((L + 1) * n), (level + 1) * n);
  return out;
}

export class Encryptor {
  readonly context: CkksContext;
  private readonly random: RandomSource;
  private readonly switcher: KeySwitcher;

  constructor(context: CkksContext, random: RandomSource = systemRandom) {
    this.context = context;
    this.random = random;
    this.switcher = new KeySwitcher(context);
  }

  private gaussian(level: number): RnsPoly {
    const p = this.context.params;
    return smallToPoly(this.context.levelBasis(level), sampleError(p.ringDegree, p.sigma, this.random));
  }

  /**
   * Encrypts `pt` with the public key at the plaintext's level and scale. With `out` (a degree-1 ciphertext at that
   * level and slot count) the result is written there; with a thread pool every temporary (and, given `out`, the
   * result's own memory) goes back to the pool's recycler, so repeated encryptions allocate no fresh shared memory.
   */
  encryptPublic(pt: Plaintext, pk: PublicKey, out?: Ciphertext): Ciphertext {
    checkContext(this.context, pt, 'encrypt');
    this.context.assertSameParameters(pk.context, 'encrypt');
    const ctx = this.context;
    const level = pt.level;
    const basis = ctx.levelBasisQP(level);
    const u = smallToPoly(basis, sampleTernaryUniform(ctx.ringDegree, this.random));
    const parts = [pk.b, pk.a].map((key) => {
      const c = selectLevelQP(ctx, key, level);
      polyMul(c, u, c);
      // ModDown(c + e) with e in coefficient form: the same result without transforming e (see modDown)
      const e = this.gaussianQP(level);
      const part = this.switcher.modDown(c, level, e);
      releasePoly(c, e);
      return part;
    }) as [RnsPoly, RnsPoly];
    releasePoly(u);
    polyAdd(parts[0], pt.poly, parts[0]);
    return deliverFresh(ctx, new Ciphertext(ctx, parts, pt.scale, pt.slots), out, 'encrypt');
  }

  /** A Gaussian error over Q_ℓ ∪ P in coefficient form (no transform: modDown takes it as it is). */
  private gaussianQP(level: number): RnsPoly {
    const p = this.context.params;
    return smallToCoefficientPoly(this.context.levelBasisQP(level), sampleError(p.ringDegree, p.sigma, this.random));
  }

  /** Encrypts `pt` with the secret key; the uniform part is expanded from a fresh seed stored on the result. */
  encryptSecret(pt: Plaintext, sk: SecretKey): Ciphertext {
    checkContext(this.context, pt, 'encrypt');
    this.context.assertSameParameters(sk.context, 'encrypt');
    const basis = this.context.levelBasis(pt.level);
    const seed = new Uint8Array(32);
    this.random.fillBytes(seed);
    const a = expandUniform(basis, seed, 0);
    const s = sk.poly.dropLastLimbs(sk.poly.limbCount - basis.size);
    const c0 = polyMul(a, s, new RnsPoly(basis, 'evaluation'));
    polyNeg(c0, c0);
    polyAdd(c0, this.gaussian(pt.level), c0);
    polyAdd(c0, pt.poly, c0);
    const ct = new Ciphertext(this.context, [c0, a], pt.scale, pt.slots);
    ct.seed = seed;
    return ct;
  }
}

export class Decryptor {
  readonly context: CkksContext;
  private readonly sk: SecretKey;

  constructor(context: CkksContext, sk: SecretKey) {
    context.assertSameParameters(sk.context, 'Decryptor');
    this.context = context;
    this.sk = sk;
  }

  /** m' = c_0 + c_1·s (+ c_2·s²): a plaintext at the ciphertext's level and scale. */
  decrypt(ct: Ciphertext): Plaintext {
    checkContext(this.context, ct, 'decrypt');
    const basis = ct.parts[0]!.basis;
    const s = this.sk.poly.dropLastLimbs(this.sk.poly.limbCount - basis.size);
    // Horner: ((c_d·s + c_{d−1})·s + …)·s + c_0
    const acc = ct.parts[ct.degree]!.clone();
    for (let i = ct.degree - 1; i >= 0; i--) {
      polyMul(acc, s, acc);
      polyAdd(acc, ct.parts[i]!, acc);
    }
    return new Plaintext(this.context, acc, ct.scale, ct.slots);
  }
}
