// Shared fixtures for scheme tests: small insecure contexts, seeded randomness, float64 reference helpers.
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import type { ParametersLiteral } from '../../src/ckks/scheme/parameters.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import type { PublicKey } from '../../src/ckks/scheme/keys.js';

export function seed(n: number): Uint8Array {
  const s = new Uint8Array(32);
  new DataView(s.buffer).setUint32(0, n, true);
  return s;
}

export interface Fixture {
  ctx: CkksContext;
  encoder: Encoder;
  encryptor: Encryptor;
  decryptor: Decryptor;
  evaluator: Evaluator;
  keygen: KeyGenerator;
  publicKey: PublicKey;
  encrypt(values: ArrayLike<number> | { re: ArrayLike<number>; im: ArrayLike<number> }, level?: number, scale?: number): Ciphertext;
  decrypt(ct: Ciphertext): { re: Float64Array; im: Float64Array };
}

/** A full key set for small insecure parameters, deterministic from `seedNumber`. */
export function fixture(literal: ParametersLiteral, seedNumber: number, rotations: readonly number[] = [], conjugation = false): Fixture {
  const ctx = new CkksContext({ ...literal, insecure: true });
  const random = seededRandom(seed(seedNumber));
  const keygen = new KeyGenerator(ctx, random);
  const sk = keygen.secretKey();
  const pk = keygen.publicKey(sk);
  const relinearizationKey = keygen.relinearizationKey(sk);
  const galoisKeys = keygen.galoisKeys(sk, rotations, conjugation);
  const encoder = new Encoder(ctx);
  const encryptor = new Encryptor(ctx, random);
  const decryptor = new Decryptor(ctx, sk);
  const evaluator = new Evaluator(ctx, { relinearizationKey, galoisKeys });
  return {
    ctx, encoder, encryptor, decryptor, evaluator, keygen, publicKey: pk,
    encrypt: (values, level, scale) => encryptor.encryptPublic(encoder.encode(values, { level, scale }), pk),
    decrypt: (ct) => encoder.decode(decryptor.decrypt(ct)),
  };
}

/** max_j |got_j − want_j| over real and imaginary parts. */
export function maxError(got: { re: ArrayLike<number>; im: ArrayLike<number> }, wantRe: ArrayLike<number>, wantIm?: ArrayLike<number>): number {
  let e = 0;
  for (let j = 0; j < wantRe.length; j++) {
    e = Math.max(e, Math.abs(got.re[j]! - wantRe[j]!), Math.abs(got.im[j]! - (wantIm?.[j] ?? 0)));
  }
  return e;
}

/** Deterministic pseudo-random reals in [−1, 1] (test data, not keys). */
export function randomReals(n: number, s: number): Float64Array {
  const out = new Float64Array(n);
  let x = s >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = (x / 0xffffffff) * 2 - 1;
  }
  return out;
}
