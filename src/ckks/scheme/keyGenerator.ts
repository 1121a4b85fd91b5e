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
import { RnsPoly, polyAdd, polyMul, polyNeg, releasePoly } from '../ring/rnsPoly.js';
import type { RnsBasis } from '../ring/rnsBasis.js';
import { addMod, mulMod, mulScalarShoup, subMod } from '../ring/modularKernels.js';
import type { Modulus } from '../ring/modulus.js';
import { shoupCompanion } from '../ring/modularScalar.js';
import { type RandomSource, seededRandom, systemRandom } from '../ring/randomSource.js';
import { sampleError, sampleTernaryHammingWeight, sampleTernaryUniform, sampleUniformModQ, smallToResidues } from '../ring/sampling.js';
import { applyAutomorphism, conjugationElement, galoisElementForRotation, inverseGaloisElement } from '../ring/automorphism.js';
import { CkksError } from '../errors.js';
import type { CkksContext } from './context.js';
import { jobFor, switchingKeysSplit } from '../parallel/schemeJobs.js';
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

/** Galois keys generated together (one job with a pool). */
const GALOIS_BATCH = 4;

interface SwitchingKeyParts {
  b: RnsPoly[];
  a: RnsPoly[];
  seed: Uint8Array;
}

/** (P mod q_i, its Shoup companion) for every limb i of Q ∪ P (zero on P's own limbs, which no digit owns). */
export function switchingKeyScalars(ctx: CkksContext): [bigint, bigint][] {
  const P = ctx.params.P.reduce((x, y) => x * y, 1n);
  return ctx.basisQP.primes.map((q) => [P % q, shoupCompanion(P % q, q)]);
}

/**
 * Limb i of one digit of a switching key, from a_i (uniform, plain) and the digit's error e_i (evaluation form, in
 * `b`): b = e − a·t (+ (P mod q)·s' when limb i belongs to the digit), then b and a to Montgomery form (keys.ts).
 * Every step leaves canonical residues in [0, q), so limbs may be done in any order and on any thread.
 */
export function switchingKeyLimb(
  m: Modulus, a: BigUint64Array, t: BigUint64Array, b: BigUint64Array, sPrime: BigUint64Array | undefined, pModQ: readonly [bigint, bigint], scratch: BigUint64Array,
): void {
  const q = m.value;
  mulMod(a, t, scratch, q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
  subMod(b, scratch, b, q);
  if (sPrime !== undefined) {
    mulScalarShoup(sPrime, pModQ[0], pModQ[1], scratch, q);
    addMod(b, scratch, b, q);
  }
  mulScalarShoup(b, m.rModQ, m.rModQShoup, b, q);
  mulScalarShoup(a, m.rModQ, m.rModQShoup, a, q);
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
    return this.galoisKeysFor(sk, [galoisElement])[0]!;
  }

  /** Galois keys for slot rotations by each of `steps` (left, negative = right) and, if asked, conjugation. */
  galoisKeys(sk: SecretKey, steps: readonly number[], conjugation = false): Map<number, GaloisKey> {
    this.checkKey(sk);
    const N = this.context.ringDegree;
    const elements = new Set<number>(steps.map((r) => galoisElementForRotation(r, N)));
    if (conjugation) elements.add(conjugationElement(N));
    elements.delete(1); // rotation by 0 (mod N/2) needs no key
    const keys = new Map<number, GaloisKey>();
    const list = [...elements];
    // a few keys per batch: with a pool their limbs share one job, and only that many targets σ^{-1}(s) live at once
    for (let i = 0; i < list.length; i += GALOIS_BATCH) {
      for (const key of this.galoisKeysFor(sk, list.slice(i, i + GALOIS_BATCH))) keys.set(key.galoisElement, key);
    }
    return keys;
  }

  private galoisKeysFor(sk: SecretKey, elements: readonly number[]): GaloisKey[] {
    const twoN = 2 * this.context.ringDegree;
    for (const k of elements) {
      if (!Number.isInteger(k) || k <= 0 || k >= twoN || k % 2 === 0) throw new RangeError(`Galois element must be odd in (0, 2N = ${twoN}), got ${k}`);
      if (k === 1) throw new RangeError('Galois element 1 is the identity (rotation by 0): it needs no key');
    }
    const targets = elements.map((k) => {
      const target = new RnsPoly(this.context.basisQP, 'evaluation');
      applyAutomorphism(sk.poly, inverseGaloisElement(k, this.context.ringDegree), target);
      return target;
    });
    const parts = this.switchingKeyBatch(targets.map((target) => ({ sPrime: sk.poly, target })));
    releasePoly(...targets);
    return parts.map(({ b, a, seed }, i) => new GaloisKey(this.context, elements[i]!, b, a, seed));
  }

  /**
   * A key switching from `sPrime` to `target`: b_j = −a_j·target + e_j + (P mod q_i)·s' on the limbs i of digit j,
   * for every digit j (so that Σ_j d_j·(b_j, a_j) decrypts under `target` to ≈ P·d·s'). With a thread pool the
   * digits' limbs are split across threads (`switchingKeysSplit`, same words).
   */
  private switchingKeyParts(sPrime: RnsPoly, target: RnsPoly): SwitchingKeyParts {
    return this.switchingKeyBatch([{ sPrime, target }])[0]!;
  }

  /**
   * `switchingKeyParts` for several keys. The randomness is drawn on the calling thread in the order of the
   * single-threaded loop (per key: its seed, then each digit's error), so a seeded `RandomSource` gives the same keys
   * with or without a pool; each a_j comes from the key's seed (ChaCha20), not from the source.
   */
  private switchingKeyBatch(requests: readonly { sPrime: RnsPoly; target: RnsPoly }[]): SwitchingKeyParts[] {
    const ctx = this.context;
    const p = ctx.params;
    const drawn = requests.map(() => {
      const seed = this.freshSeed();
      return { seed, errors: p.digits.map(() => sampleError(p.ringDegree, p.sigma, this.random)) };
    });
    const job = jobFor(ctx, 2 * requests.length * p.digits.length * ctx.basisQP.size);
    if (job !== undefined) {
      return switchingKeysSplit(job, ctx, requests.map((r, k) => ({ ...r, ...drawn[k]! }))).map((parts, k) => ({ ...parts, seed: drawn[k]!.seed }));
    }
    const basis = ctx.basisQP;
    const scratch = new BigUint64Array(ctx.ringDegree);
    const pModQ = switchingKeyScalars(ctx);
    return requests.map(({ sPrime, target }, k) => {
      const { seed, errors } = drawn[k]!;
      const b: RnsPoly[] = [];
      const a: RnsPoly[] = [];
      p.digits.forEach(([start, end], j) => {
        const aj = expandUniform(basis, seed, j);
        const bj = smallToPoly(basis, errors[j]!);
        for (let i = 0; i < basis.size; i++) {
          switchingKeyLimb(basis.moduli[i]!, aj.limb(i), target.limb(i), bj.limb(i), i >= start && i < end ? sPrime.limb(i) : undefined, pModQ[i]!, scratch);
        }
        aj.montgomery = true;
        bj.montgomery = true;
        b.push(bj);
        a.push(aj);
      });
      return { b, a, seed };
    });
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
