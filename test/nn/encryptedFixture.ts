// Shared fixture for the encrypted-layer tests: small INSECURE CKKS contexts (N = 2^11 … 2^12, `insecure: true`)
// with keys generated for exactly the rotation steps a test asks for, seeded randomness, and helpers to encrypt
// and decrypt packed tensors.
import { CkksContext } from '../../src/ckks/scheme/context.js';
import type { ThreadPool } from '../../src/ckks/parallel/index.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import type { GaloisKey, RelinearizationKey, SecretKey, PublicKey } from '../../src/ckks/scheme/keys.js';
import type { ParametersLiteral } from '../../src/ckks/scheme/parameters.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { conjugationElement } from '../../src/ckks/ring/automorphism.js';
import { levelledGaloisKey, levelledRelinearizationKey } from '../../src/ckks/scheme/levelledKeys.js';
import { packTensors, unpackTensors, type PackedLayout } from '../../src/nn/encrypted/packedLayout.js';
import type { Tensor3 } from '../../src/nn/tensor.js';

export interface EncryptedFixture {
  readonly ctx: CkksContext;
  readonly encoder: Encoder;
  readonly keygen: KeyGenerator;
  readonly sk: SecretKey;
  readonly pk: PublicKey;
  readonly relin: RelinearizationKey;
  readonly encryptor: Encryptor;
  readonly decryptor: Decryptor;
  /** An evaluator holding the relinearisation key and Galois keys for exactly `steps` (and conjugation if asked). */
  evaluatorFor(steps: readonly number[], conjugation?: boolean): Evaluator;
  /**
   * The same with every key restricted to its level (step → highest level used), relinearisation up to `relinLevel`,
   * conjugation up to `conjugationLevel` (none when undefined).
   */
  evaluatorForLevels(levels: ReadonlyMap<number, number>, relinLevel: number, conjugationLevel?: number): Evaluator;
  galoisKeys(steps: readonly number[]): Map<number, GaloisKey>;
  encryptVectors(vectors: readonly Float64Array[], level: number, scale: number): Ciphertext[];
  decryptVectors(cts: readonly Ciphertext[]): Float64Array[];
  encryptTensors(layout: PackedLayout, tensors: readonly Tensor3[], level: number, scale: number): Ciphertext[];
  decryptTensors(layout: PackedLayout, cts: readonly Ciphertext[]): Tensor3[];
}

function seed(n: number): Uint8Array {
  const s = new Uint8Array(32);
  new DataView(s.buffer).setUint32(0, n, true);
  return s;
}

/** With `pool`, every polynomial of the context lives in shared memory and large jobs are split across its threads. */
export function encryptedFixture(literal: ParametersLiteral, seedNumber = 1, pool?: ThreadPool): EncryptedFixture {
  const ctx = new CkksContext({ ...literal, insecure: true }, pool === undefined ? {} : { pool });
  const random = seededRandom(seed(seedNumber));
  const keygen = new KeyGenerator(ctx, random);
  const sk = keygen.secretKey();
  const pk = keygen.publicKey(sk);
  const relin = keygen.relinearizationKey(sk);
  const encoder = new Encoder(ctx);
  const encryptor = new Encryptor(ctx, random);
  const decryptor = new Decryptor(ctx, sk);
  const cache = new Map<number, GaloisKey>();
  const galoisKeys = (steps: readonly number[]): Map<number, GaloisKey> => {
    const out = new Map<number, GaloisKey>();
    const missing = steps.filter((s) => ![...cache.values()].some((k) => k.galoisElement === elementOf(ctx, s)));
    for (const [e, k] of keygen.galoisKeys(sk, missing)) cache.set(e, k);
    for (const s of steps) {
      const e = elementOf(ctx, s);
      if (e !== 1) out.set(e, cache.get(e)!);
    }
    return out;
  };
  const encryptVectors = (vectors: readonly Float64Array[], level: number, scale: number) =>
    vectors.map((v) => encryptor.encryptPublic(encoder.encode(v, { level, scale, slots: v.length }), pk));
  const decryptVectors = (cts: readonly Ciphertext[]) => cts.map((c) => encoder.decodeReal(decryptor.decrypt(c)));
  return {
    ctx, encoder, keygen, sk, pk, relin, encryptor, decryptor,
    galoisKeys,
    evaluatorFor: (steps, conjugation = false) => {
      const keys = galoisKeys(steps);
      if (conjugation) {
        const e = conjugationElement(ctx.ringDegree);
        if (!cache.has(e)) cache.set(e, keygen.galoisKey(sk, e));
        keys.set(e, cache.get(e)!);
      }
      return new Evaluator(ctx, { relinearizationKey: relin, galoisKeys: keys });
    },
    evaluatorForLevels: (levels, relinLevel, conjugationLevel) => {
      const keys = new Map<number, GaloisKey>();
      for (const [s, level] of levels) keys.set(elementOf(ctx, s), levelledGaloisKey(ctx, sk, elementOf(ctx, s), level, random));
      if (conjugationLevel !== undefined) keys.set(conjugationElement(ctx.ringDegree), levelledGaloisKey(ctx, sk, conjugationElement(ctx.ringDegree), conjugationLevel, random));
      return new Evaluator(ctx, { relinearizationKey: levelledRelinearizationKey(ctx, sk, relinLevel, random), galoisKeys: keys });
    },
    encryptVectors,
    decryptVectors,
    encryptTensors: (layout, tensors, level, scale) => encryptVectors(packTensors(layout, tensors), level, scale),
    decryptTensors: (layout, cts) => unpackTensors(layout, decryptVectors(cts)),
  };
}

/** Galois element 5^r mod 2N of a left rotation by r. */
function elementOf(ctx: CkksContext, steps: number): number {
  const N = ctx.ringDegree;
  const r = ((steps % (N / 2)) + N / 2) % (N / 2);
  let e = 1;
  for (let i = 0; i < r; i++) e = (e * 5) % (2 * N);
  return e;
}

/** max |a − b| over all entries of all tensors. */
export function maxAbsDiff(a: readonly Tensor3[], b: readonly Tensor3[]): number {
  let e = 0;
  a.forEach((t, p) => t.data.forEach((v, j) => { e = Math.max(e, Math.abs(v - b[p]!.data[j]!)); }));
  return e;
}

/** Deterministic pseudo-random reals in [−1, 1). */
export function rng(seedNumber: number): () => number {
  let s = seedNumber >>> 0 || 1;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return s / 2 ** 31 - 1;
  };
}
