/**
 * Noise flooding for decryption by the key holder (Li–Micciancio, "On the security of homomorphic encryption on
 * approximate numbers", EUROCRYPT 2021: IND-CPA-D). A CKKS decryption returns the message plus the computation's
 * error e, and e is a function of the secret key; a key holder who sees e from many results can solve for the key.
 * Before a ciphertext leaves the server it gets
 *
 *   c ← c + Enc_pk(0) + (e_f, 0)
 *
 * Enc_pk(0) re-randomises c_1 (so c no longer reveals how it was computed, e.g. the server's random multipliers),
 * and e_f is a wide Gaussian with standard deviation σ_f per coefficient. For two errors e, e' with ‖e − e'‖_2 ≤ E,
 * KL(N(e, σ_f²I) ‖ N(e', σ_f²I)) = ‖e − e'‖²/(2σ_f²) and Pinsker gives a statistical distance ≤ ‖e − e'‖_2/(2σ_f):
 * σ_f = E·2^{s−1} makes it ≤ 2^{−s} (E here bounds ‖e‖_2 of every possible computation, so e' = 0 is the
 * simulator's choice).
 *
 * Sampling: σ_f is ≈ 2^52 … 2^80 here (up to 2^94 is supported), beyond float64's integers, so e_f = 2^k·round(σ_H·g) + u with σ_H = σ_f/2^k ≤
 * 2^30, g a standard normal (Box–Muller on 53-bit uniforms) and u uniform in [−2^{k−1}, 2^{k−1}): a Gaussian of
 * width σ_f histogrammed on a grid of 2^k ≤ 2^{-30}·σ_f with uniform low bits, whose density differs from the
 * continuous one by a relative ≤ 2^k/σ_f per coefficient.
 */
import { Ciphertext, Plaintext } from '../../ckks/scheme/plaintext.js';
import type { CkksContext } from '../../ckks/scheme/context.js';
import type { Encryptor } from '../../ckks/scheme/encryptor.js';
import type { PublicKey } from '../../ckks/scheme/keys.js';
import { RnsPoly, polyAdd } from '../../ckks/ring/rnsPoly.js';
import { type RandomSource, systemRandom } from '../../ckks/ring/randomSource.js';

/** Standard deviation of the flooding noise for an error bound E = ‖e‖_2 and statistical distance 2^{-s}. */
export function floodingSigma(errorL2: number, s: number): number {
  if (!(Number.isFinite(errorL2) && errorL2 > 0)) throw new RangeError(`floodingSigma: error bound must be positive, got ${errorL2}`);
  if (!(Number.isFinite(s) && s >= 0)) throw new RangeError(`floodingSigma: s must be ≥ 0, got ${s}`);
  return errorL2 * 2 ** (s - 1);
}

/** N integers of the flooding distribution (see the module comment). */
export function sampleFlooding(N: number, sigma: number, random: RandomSource = systemRandom): bigint[] {
  if (!(Number.isFinite(sigma) && sigma >= 1)) throw new RangeError(`sampleFlooding: sigma must be ≥ 1, got ${sigma}`);
  const k = Math.max(0, Math.ceil(Math.log2(sigma)) - 30);
  const sigmaH = sigma / 2 ** k;
  const out: bigint[] = new Array<bigint>(N);
  if (k > 64) throw new RangeError(`sampleFlooding: sigma 2^${Math.log2(sigma).toFixed(1)} is beyond the sampler's 2^94`);
  const lowMask = (1n << BigInt(k)) - 1n;
  const half = k > 0 ? 1n << BigInt(k - 1) : 0n;
  const pairs = Math.ceil(N / 2);
  // all random bytes at once: 16 per pair of normals (two 53-bit uniforms), 8 per coefficient for the low bits
  const bytes = new Uint8Array(16 * pairs + 8 * N);
  random.fillBytes(bytes);
  const view = new DataView(bytes.buffer);
  const u53 = (offset: number) => ((view.getUint32(offset, true) >>> 11) * 2 ** 32 + view.getUint32(offset + 4, true)) / 2 ** 53;
  for (let i = 0; i < pairs; i++) {
    // Box–Muller: two independent standard normals from two uniforms (u1 in (0, 1])
    const u1 = 1 - u53(16 * i);
    const u2 = u53(16 * i + 8);
    const r = Math.sqrt(-2 * Math.log(u1));
    const pair = [r * Math.cos(2 * Math.PI * u2), r * Math.sin(2 * Math.PI * u2)];
    for (let t = 0; t < 2 && 2 * i + t < N; t++) {
      const j = 2 * i + t;
      let x = BigInt(Math.round(sigmaH * pair[t]!)) << BigInt(k);
      if (k > 0) x += (view.getBigUint64(16 * pairs + 8 * j, true) & lowMask) - half;
      out[j] = x;
    }
  }
  return out;
}

/**
 * c + Enc_pk(0) + (e_f, 0) with e_f of standard deviation `sigma` (a new ciphertext; c is unchanged). The
 * encryption of zero is at c's level, scale and slot count.
 */
export function floodCiphertext(ctx: CkksContext, c: Ciphertext, encryptor: Encryptor, pk: PublicKey, sigma: number, random: RandomSource = systemRandom): Ciphertext {
  if (c.degree !== 1) throw new RangeError('floodCiphertext: relinearise first (degree-1 ciphertexts only)');
  const basis = ctx.levelBasis(c.level);
  const zero = new Plaintext(ctx, new RnsPoly(basis, 'evaluation'), c.scale, c.slots);
  const fresh = encryptor.encryptPublic(zero, pk);
  const noise = RnsPoly.fromCoefficients(basis, sampleFlooding(ctx.ringDegree, sigma, random)).toEvaluation();
  const c0 = polyAdd(c.parts[0]!, fresh.parts[0]!, new RnsPoly(basis, 'evaluation'));
  polyAdd(c0, noise, c0);
  const c1 = polyAdd(c.parts[1]!, fresh.parts[1]!, new RnsPoly(basis, 'evaluation'));
  return new Ciphertext(ctx, [c0, c1], c.scale, c.slots);
}
