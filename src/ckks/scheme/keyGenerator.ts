/**
 * Key generation (Cheon–Kim–Kim–Song 2017 §3.4; hybrid key switching of Han–Ki 2020 / Kim et al. 2021).
 *
 * - secret key s: uniform ternary or fixed Hamming weight h (parameters), over Q ∪ P;
 * - public key (b, a) over Q with b = −a·s + e;
 * - switching keys s' → s with `dnum` digits over Q ∪ P: b_j = −a_j·s + e_j + P·T_j·s'.
 * Errors e are rounded Gaussians (σ from the parameters, bounded at 6σ: `sampleError`). Every uniform `a` is expanded with
 * ChaCha20 from a fresh 32-byte seed (nonce = key index), so keys can be serialised "seeded".
 * Randomness: `crypto.getRandomValues` unless a `RandomSource` is injected (tests).
 */
import { RnsPoly, polyAdd, polyMul, polyNeg } from '../ring/rnsPoly.js';
import type { RnsBasis } from '../ring/rnsBasis.js';
import { mulScalarShoup, addMod } from '../ring/modularKernels.js';
import { shoupCompanion } from '../ring/modularScalar.js';
import { type RandomSource, seededRandom, systemRandom } from '../ring/randomSource.js';
import { sampleError, sampleTernaryHammingWeight, sampleTernaryUniform, sampleUniformModQ, smallToResidues } from '../ring/sampling.js';
import { applyAutomorphism, conjugationElement, galoisElementForRotation, inverseGaloisElement } from '../ring/automorphism.js';
import { CkksError } from '../errors.js';
import type { CkksContext } from './context.js';
import { GaloisKey, PublicKey, RelinearizationKey, SecretKey, SwitchingKey, toMontgomeryForm } from './keys.js';

/** Expands a uniform polynomial over `basis` (evaluation form) from a seed and a per-polynomial nonce. */
export function expandUniform(basis: RnsBasis, seed: Uint8Array, index: number): RnsPoly {
  return expandUniformLimbs(basis, seed, index, basis, (l) => l);
}

/**
 * The limbs of `expandUniform(stored, seed, index)` that `target` keeps, without building the whole polynomial:
 * `keep(l)` gives the target limb of stored limb l, or −1 to drop it. The stream is consumed in stored order (the
 * rejection sampler reads a variable number of bytes per limb), so dropped limbs before a kept one are still
 * sampled — into one scratch limb — and dropped limbs after the last kept one are not sampled at all. With `out`
 * (over `target`) the limbs are written there.
 */
export function expandUniformLimbs(stored: RnsBasis, seed: Uint8Array, index: number, target: RnsBasis, keep: (l: number) => number, out?: RnsPoly): RnsPoly {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setUint32(0, index, true);
  const src = seededRandom(seed, nonce);
  if (out !== undefined) target.assertSame(out.basis, 'expandUniformLimbs');
  const p = out ?? new RnsPoly(target, 'evaluation');
  p.form = 'evaluation';
  let last = -1;
  for (let l = 0; l < stored.size; l++) if (keep(l) >= 0) last = l;
  let scratch: BigUint64Array | undefined;
  for (let l = 0; l <= last; l++) {
    const t = keep(l);
    if (t >= 0 && target.moduli[t]!.value !== stored.moduli[l]!.value) throw new RangeError(`expandUniformLimbs: target limb ${t} is not stored limb ${l}'s prime`);
    const out = t >= 0 ? p.limb(t) : (scratch ??= new BigUint64Array(stored.ringDegree));
    sampleUniformModQ(stored.moduli[l]!.value, out, src);
  }
  return p;
}

/** A small signed polynomial (ternary / Gaussian) lifted to every limb of `basis`, in evaluation form. */
export function smallToPoly(basis: RnsBasis, coefficients: Int8Array | Int32Array): RnsPoly {
  return smallToCoefficientPoly(basis, coefficients).toEvaluation();
}

/** The same small polynomial in coefficient form (no transform). */
export function smallToCoefficientPoly(basis: RnsBasis, coefficients: Int8Array | Int32Array): RnsPoly {
  const p = new RnsPoly(basis, 'coefficient');
  for (let l = 0; l < basis.size; l++) smallToResidues(coefficients, basis.moduli[l]!.value, p.limb(l));
  return p;
}

export class KeyGenerator {
  readonly context: CkksContext;
  private readonly random: RandomSource;

  constructor(context: CkksContext, random: RandomSource = systemRandom) {
    this.context = context;
    this.random = random;
  }

  private freshSeed(): Uint8Array {
    const seed = new Uint8Array(32);
    this.random.fillBytes(seed);
    return seed;
  }

  private error(basis: RnsBasis): RnsPoly {
    const p = this.context.params;
    return smallToPoly(basis, sampleError(p.ringDegree, p.sigma, this.random));
  }

  /** A new secret key, sampled from the parameters' secret distribution. */
  secretKey(): SecretKey {
    const p = this.context.params;
    const coefficients = p.secret.kind === 'ternary'
      ? sampleTernaryUniform(p.ringDegree, this.random)
      : sampleTernaryHammingWeight(p.ringDegree, p.secret.hammingWeight, this.random);
    return new SecretKey(this.context, smallToPoly(this.context.basisQP, coefficients), coefficients);
  }

  /**
   * Public key (b, a) over Q ∪ P: b = −a·s + e. Keeping the special primes lets encryption divide its noise by P
   * (see Encryptor.encryptPublic), as SEAL and Lattigo do.
   */
  publicKey(sk: SecretKey): PublicKey {
    this.checkKey(sk);
    const basis = this.context.basisQP;
    const seed = this.freshSeed();
    const a = expandUniform(basis, seed, 0);
    const b = polyMul(a, sk.poly, new RnsPoly(basis, 'evaluation'));
    polyNeg(b, b);
    polyAdd(b, this.error(basis), b);
    return new PublicKey(this.context, b, a, seed);
  }

  /** Relinearisation key: switches s² → s. */
  relinearizationKey(sk: SecretKey): RelinearizationKey {
    this.checkKey(sk);
    const s2 = polyMul(sk.poly, sk.poly, new RnsPoly(this.context.basisQP, 'evaluation'));
    const { b, a, seed } = this.switchingKeyParts(s2, sk.poly);
    return new RelinearizationKey(this.context, b, a, seed);
  }

  /** Galois key for the element k (odd, < 2N): switches s → σ_k^{-1}(s) (see `GaloisKey`). */
  galoisKey(sk: SecretKey, galoisElement: number): GaloisKey {
    this.checkKey(sk);
    const twoN = 2 * this.context.ringDegree;
    if (!Number.isInteger(galoisElement) || galoisElement <= 0 || galoisElement >= twoN || galoisElement % 2 === 0) {
      throw new RangeError(`Galois element must be odd in (0, 2N = ${twoN}), got ${galoisElement}`);
    }
    if (galoisElement === 1) throw new RangeError('Galois element 1 is the identity (rotation by 0): it needs no key');
    const target = new RnsPoly(this.context.basisQP, 'evaluation');
    applyAutomorphism(sk.poly, inverseGaloisElement(galoisElement, this.context.ringDegree), target);
    const { b, a, seed } = this.switchingKeyParts(sk.poly, target);
    return new GaloisKey(this.context, galoisElement, b, a, seed);
  }

  /** Galois keys for slot rotations by each of `steps` (left, negative = right) and, if asked, conjugation. */
  galoisKeys(sk: SecretKey, steps: readonly number[], conjugation = false): Map<number, GaloisKey> {
    const N = this.context.ringDegree;
    const elements = new Set<number>(steps.map((r) => galoisElementForRotation(r, N)));
    if (conjugation) elements.add(conjugationElement(N));
    elements.delete(1); // rotation by 0 (mod N/2) needs no key
    const keys = new Map<number, GaloisKey>();
    for (const k of elements) keys.set(k, this.galoisKey(sk, k));
    return keys;
  }

  /**
   * A key switching from `sPrime` to `target`: b_j = −a_j·target + e_j + (P mod q_i)·s' on the limbs i of digit j,
   * for every digit j (so that Σ_j d_j·(b_j, a_j) decrypts under `target` to ≈ P·d·s').
   */
  private switchingKeyParts(sPrime: RnsPoly, target: RnsPoly): { b: RnsPoly[]; a: RnsPoly[]; seed: Uint8Array } {
    const ctx = this.context;
    const basis = ctx.basisQP;
    const seed = this.freshSeed();
    const P = ctx.params.P.reduce((x, y) => x * y, 1n);
    const b: RnsPoly[] = [];
    const a: RnsPoly[] = [];
    const scratch = new BigUint64Array(ctx.ringDegree);
    ctx.params.digits.forEach(([start, end], j) => {
      const aj = expandUniform(basis, seed, j);
      const bj = polyMul(aj, target, new RnsPoly(basis, 'evaluation'));
      polyNeg(bj, bj);
      polyAdd(bj, this.error(basis), bj);
      for (let i = start; i < end; i++) {
        const q = basis.moduli[i]!.value;
        const pModQ = P % q;
        mulScalarShoup(sPrime.limb(i), pModQ, shoupCompanion(pModQ, q), scratch, q);
        addMod(bj.limb(i), scratch, bj.limb(i), q);
      }
      b.push(toMontgomeryForm(bj));
      a.push(toMontgomeryForm(aj));
    });
    return { b, a, seed };
  }

  private checkKey(sk: SecretKey): void {
    if (!(sk instanceof SecretKey)) throw new TypeError('expected a SecretKey');
    this.context.assertSameParameters(sk.context, 'key generation');
  }
}

/** Regenerates a switching key's uniform parts from its seed (for seeded deserialisation), in Montgomery form. */
export function expandSwitchingKeyA(context: CkksContext, seed: Uint8Array, digits: number): RnsPoly[] {
  if (seed.length !== 32) throw new CkksError('CORRUPT_INPUT', 'a key seed must be 32 bytes');
  return Array.from({ length: digits }, (_, j) => toMontgomeryForm(expandUniform(context.basisQP, seed, j)));
}

export type { SwitchingKey };
