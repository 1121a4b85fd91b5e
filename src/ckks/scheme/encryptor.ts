/**
 * Encryption and decryption (Cheon–Kim–Kim–Song 2017 §3.4).
 * Public key:  c = (b·u + e_0 + m, a·u + e_1) with u ternary, e_0, e_1 Gaussian.
 * Secret key:  c = (−a·s + e + m, a) with a uniform, expanded from a fresh 32-byte seed (kept on the
 *              ciphertext so it can be serialised seeded: half the size).
 * Decryption:  m' = Σ_i c_i·s^i (degree 1 or 2), returned as a plaintext at the ciphertext's level/scale.
 */
import { RnsPoly, polyAdd, polyMul, polyNeg } from '../ring/rnsPoly.js';
import { type RandomSource, systemRandom } from '../ring/randomSource.js';
import { sampleGaussian, sampleTernaryUniform } from '../ring/sampling.js';
import type { CkksContext } from './context.js';
import { expandUniform, smallToPoly } from './keyGenerator.js';
import type { PublicKey, SecretKey } from './keys.js';
import { Ciphertext, Plaintext } from './plaintext.js';
import { checkContext } from './checks.js';

export class Encryptor {
  readonly context: CkksContext;
  private readonly random: RandomSource;

  constructor(context: CkksContext, random: RandomSource = systemRandom) {
    this.context = context;
    this.random = random;
  }

  private gaussian(level: number): RnsPoly {
    const p = this.context.params;
    return smallToPoly(this.context.levelBasis(level), sampleGaussian(p.ringDegree, p.sigma, 6 * p.sigma, this.random));
  }

  /** Encrypts `pt` with the public key at the plaintext's level and scale. */
  encryptPublic(pt: Plaintext, pk: PublicKey): Ciphertext {
    checkContext(this.context, pt, 'encrypt');
    this.context.assertSameParameters(pk.context, 'encrypt');
    const level = pt.level;
    const basis = this.context.levelBasis(level);
    const drop = this.context.maxLevel - level;
    const u = smallToPoly(basis, sampleTernaryUniform(this.context.ringDegree, this.random));
    const c0 = polyMul(pk.b.dropLastLimbs(drop), u, new RnsPoly(basis, 'evaluation'));
    polyAdd(c0, this.gaussian(level), c0);
    polyAdd(c0, pt.poly, c0);
    const c1 = polyMul(pk.a.dropLastLimbs(drop), u, new RnsPoly(basis, 'evaluation'));
    polyAdd(c1, this.gaussian(level), c1);
    return new Ciphertext(this.context, [c0, c1], pt.scale, pt.slots);
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
