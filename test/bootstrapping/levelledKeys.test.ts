// Switching keys restricted to the levels they are used at (small insecure N = 2^10, 6 primes, dnum 3): a rotation
// or relinearisation with a key restricted to level m is as accurate as with a full key at every level ≤ m
// (against the float64 rotation / product of the decrypted input, bound 2^-25 at Δ = 2^40), and MISSING_KEY above;
// the key's size is exactly 2·digits(m)·(m + 1 + k)·N·8 bytes.
import { describe, expect, it } from 'vitest';
import { levelledGaloisKey, levelledKeyBytes, levelledRelinearizationKey } from '../../src/ckks/scheme/levelledKeys.js';
import { galoisElementForRotation } from '../../src/ckks/ring/automorphism.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { maxError, randomReals, seed } from '../scheme/helpers.js';

const LIT = { logN: 10, logQ: [55, 40, 40, 40, 40, 40], logP: [61, 61], logDefaultScale: 40, dnum: 3 };

describe('levelled switching keys (small insecure N = 2^10)', () => {
  const ctx = new CkksContext({ ...LIT, insecure: true });
  const random = seededRandom(seed(1402));
  const kg = new KeyGenerator(ctx, random);
  const secretKey = kg.secretKey();
  const pk = kg.publicKey(secretKey);
  const encoder = new Encoder(ctx);
  const enc = new Encryptor(ctx, random);
  const dec = new Decryptor(ctx, secretKey);
  const F = {
    ctx, secretKey,
    encrypt: (x: Float64Array, level: number): Ciphertext => enc.encryptPublic(encoder.encode(x, { level }), pk),
    decrypt: (ct: Ciphertext) => encoder.decode(dec.decrypt(ct)),
  };
  it('a Galois key restricted to level 2 rotates correctly at levels 0 … 2, is MISSING_KEY at 3, and has the stated size', () => {
    const e = galoisElementForRotation(3, 1024);
    const key = levelledGaloisKey(F.ctx, F.secretKey, e, 2, random);
    expect(key.b.length).toBe(2); // digits of 2 primes: [0,1], [2,3] start at or below level 2
    expect(key.b[0]!.limbCount).toBe(3 + 2);
    expect(levelledKeyBytes(F.ctx, 2).plain).toBe(2 * 2 * 5 * 1024 * 8);
    const ev = new Evaluator(F.ctx, { galoisKeys: new Map([[e, key]]) });
    const x = randomReals(512, 5);
    const want = x.map((_, i) => x[(i + 3) % 512]!);
    for (const level of [0, 1, 2]) expect(maxError(F.decrypt(ev.rotate(F.encrypt(x, level), 3)), want)).toBeLessThan(2 ** -25);
    expect(() => ev.rotate(F.encrypt(x, 3), 3)).toThrow(/MISSING_KEY/);
  });

  it('a relinearisation key restricted to level 3: products at levels 1 … 3 within 2^-25, MISSING_KEY at 4', () => {
    const ev = new Evaluator(F.ctx, { relinearizationKey: levelledRelinearizationKey(F.ctx, F.secretKey, 3, random) });
    const x = randomReals(512, 6), y = randomReals(512, 7);
    const want = x.map((v, i) => v * y[i]!);
    for (const level of [1, 2, 3]) expect(maxError(F.decrypt(ev.mulRelinRescale(F.encrypt(x, level), F.encrypt(y, level))), want)).toBeLessThan(2 ** -25);
    expect(() => ev.mulRelinRescale(F.encrypt(x, 4), F.encrypt(y, 4))).toThrow(/MISSING_KEY/);
  });
});
