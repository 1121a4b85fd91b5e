// Serialisation of keys restricted to a level (scheme/levelledKeys.ts) and of the sparse-secret encapsulation keys:
// exact round trips (seeded and not), the reloaded keys still work (a rotation and a relinearisation at the key's
// level decrypt to the float64 result within 2^-20; ModRaise through reloaded encapsulation keys), and the refusals
// a reader must make (digit count that does not match the level, a level at or above the top, unknown flags, flags
// on an object type that has none). Small insecure parameters (N = 2^10, 2^11).
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { levelledGaloisKey, levelledRelinearizationKey } from '../../src/ckks/scheme/levelledKeys.js';
import { galoisElementForRotation } from '../../src/ckks/ring/automorphism.js';
import { generateEncapsulationKeys } from '../../src/ckks/scheme/sparseSecretEncapsulation.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { crc32 } from '../../src/ckks/serialization/crc32.js';
import * as S from '../../src/ckks/serialization/index.js';
import { expectCkksError } from '../support/expectCkksError.js';

// dnum = 3 over 6 primes: digits {0,1}, {2,3}, {4,5}; a key at level 2 has 2 digits over q_0..q_2 ∪ P
const ctx = new CkksContext({ logN: 10, logQ: [50, 40, 40, 40, 40, 40], logP: [55, 55], dnum: 3, logDefaultScale: 40, insecure: true });
const random = seededRandom(new Uint8Array(32).fill(41));
const kg = new KeyGenerator(ctx, random);
const sk = kg.secretKey();
const encoder = new Encoder(ctx);
const encryptor = new Encryptor(ctx, random);
const decryptor = new Decryptor(ctx, sk);
const LEVEL = 2;
const k3 = galoisElementForRotation(3, ctx.ringDegree);

/** Recomputes the CRC after an edit, so only the field check can refuse the bytes. */
function reCrc(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

const sameWords = (a: readonly { data: BigUint64Array }[], b: readonly { data: BigUint64Array }[]) => {
  expect(b.length).toBe(a.length);
  a.forEach((p, i) => expect(Array.from(b[i]!.data)).toEqual(Array.from(p.data)));
};

describe('levelled switching keys: serialisation (insecure N = 2^10, dnum 3)', () => {
  const gk = levelledGaloisKey(ctx, sk, k3, LEVEL, random);
  const rlk = levelledRelinearizationKey(ctx, sk, LEVEL, random);

  it('round-trips seeded and unseeded, with the level and digit count of the key', () => {
    for (const seeded of [true, false]) {
      const bytes = S.serializeGaloisKey(gk, { seeded });
      const back = S.deserializeGaloisKey(ctx, bytes);
      expect(back.galoisElement).toBe(k3);
      expect(back.digitCount).toBe(2);
      expect(back.b[0]!.basis.size).toBe(LEVEL + 1 + 2);
      sameWords(gk.b, back.b);
      sameWords(gk.a, back.a);
      const r = S.deserializeRelinearizationKey(ctx, S.serializeRelinearizationKey(rlk, { seeded }));
      sameWords(rlk.b, r.b);
      sameWords(rlk.a, r.a);
    }
    // seeded: only b is stored (2 digits × 5 limbs × N words) plus header, flags, element, digits, level, seed, CRC
    const words = 2 * (LEVEL + 1 + 2) * ctx.ringDegree;
    expect(S.serializeGaloisKey(gk).length).toBe(16 + 4 + 1 + 1 + 32 + words * 8 + 4);
  });

  it('a full key keeps the original layout (no level byte): its bytes are those of a full-chain key', () => {
    const full = kg.galoisKey(sk, k3);
    const bytes = S.serializeGaloisKey(full);
    expect(bytes[7]).toBe(1); // flags: seeded only
    const words = 3 * (ctx.maxLevel + 1 + 2) * ctx.ringDegree;
    expect(bytes.length).toBe(16 + 4 + 1 + 32 + words * 8 + 4);
  });

  it('reloaded keys work at their level: rotation by 3 and a product, against float64 within 2^-20', () => {
    const gk2 = S.deserializeGaloisKey(ctx, S.serializeGaloisKey(gk));
    const rlk2 = S.deserializeRelinearizationKey(ctx, S.serializeRelinearizationKey(rlk));
    const ev = new Evaluator(ctx, { relinearizationKey: rlk2, galoisKeys: new Map([[k3, gk2]]) });
    const slots = ctx.params.maxSlots;
    const x = Array.from({ length: slots }, (_, i) => Math.sin(i + 1));
    const ct = ev.dropLevels(encryptor.encryptSecret(encoder.encode(x), sk), ctx.maxLevel - LEVEL);
    const rot = encoder.decodeReal(decryptor.decrypt(ev.rotate(ct, 3)));
    const sq = encoder.decodeReal(decryptor.decrypt(ev.rescale(ev.mul(ct, ct))));
    for (let i = 0; i < slots; i++) {
      expect(Math.abs(rot[i]! - x[(i + 3) % slots]!)).toBeLessThan(2 ** -20);
      expect(Math.abs(sq[i]! - x[i]! * x[i]!)).toBeLessThan(2 ** -20);
    }
  });

  it('reads a stored key directly at a lower level: the same words as cutting the whole key limb by limb, and it still rotates', () => {
    const kP = ctx.params.P.length;
    const n = ctx.ringDegree;
    /** Independent reference: limbs 0 … m and the P limbs of each kept digit's polynomials, by plain array slicing. */
    const cut = (polys: readonly { data: BigUint64Array }[], stored: number, m: number) =>
      polys.slice(0, ctx.params.digits.filter(([start]) => start <= m).length).map((p) => ({
        data: BigUint64Array.from([...p.data.subarray(0, (m + 1) * n), ...p.data.subarray((stored + 1) * n, (stored + 1 + kP) * n)]),
      }));
    const full = kg.galoisKey(sk, k3);
    for (const [key, stored] of [[full, ctx.maxLevel], [gk, LEVEL]] as const) {
      for (const seeded of [true, false]) {
        const bytes = S.serializeGaloisKey(key, { seeded });
        for (let m = 0; m <= stored; m++) {
          const back = S.deserializeGaloisKey(ctx, bytes, { level: m });
          expect(back.b[0]!.basis.equals(ctx.levelBasisQP(m))).toBe(true);
          sameWords(cut(key.b, stored, m), back.b);
          sameWords(cut(key.a, stored, m), back.a);
          expect(back.seed.length).toBe(m === stored ? 32 : 0);
        }
        expectCkksError(() => S.deserializeGaloisKey(ctx, bytes, { level: stored + 1 }), 'MISSING_KEY');
        expect(() => S.deserializeGaloisKey(ctx, bytes, { level: -1 })).toThrow(RangeError);
        expect(() => S.deserializeGaloisKey(ctx, bytes, { level: 0.5 })).toThrow(RangeError);
      }
    }
    // a key read at level 1 rotates a level-1 ciphertext (float64 reference, 2^-20)
    const ev = new Evaluator(ctx, { galoisKeys: new Map([[k3, S.deserializeGaloisKey(ctx, S.serializeGaloisKey(full), { level: 1 })]]) });
    const slots = ctx.params.maxSlots;
    const x = Array.from({ length: slots }, (_, i) => Math.cos(i + 2));
    const ct = ev.dropLevels(encryptor.encryptSecret(encoder.encode(x), sk), ctx.maxLevel - 1);
    const rot = encoder.decodeReal(decryptor.decrypt(ev.rotate(ct, 3)));
    for (let i = 0; i < slots; i++) expect(Math.abs(rot[i]! - x[(i + 3) % slots]!)).toBeLessThan(2 ** -20);
    // a corrupted limb that the lower level does not read is still refused (by the trailer CRC)
    const bytes = S.serializeGaloisKey(full, { seeded: false });
    const bad = bytes.slice(); bad[bad.length - 100] = bad[bad.length - 100]! ^ 1;
    expectCkksError(() => S.deserializeGaloisKey(ctx, bad, { level: 0 }), 'CORRUPT_INPUT');
  });

  it('refuses a level at or above the top, a digit count that does not match the level, unknown flags', () => {
    const bytes = S.serializeGaloisKey(gk);
    // layout: header 16 | element u32 @16 | digits u8 @20 | level u8 @21 | seed …
    const atTop = bytes.slice(); atTop[21] = ctx.maxLevel;
    expectCkksError(() => S.deserializeGaloisKey(ctx, reCrc(atTop)), 'CORRUPT_INPUT');
    const tooHigh = bytes.slice(); tooHigh[21] = 200;
    expectCkksError(() => S.deserializeGaloisKey(ctx, reCrc(tooHigh)), 'CORRUPT_INPUT');
    const digits = bytes.slice(); digits[20] = 3;
    expectCkksError(() => S.deserializeGaloisKey(ctx, reCrc(digits)), 'CORRUPT_INPUT');
    const lower = bytes.slice(); lower[21] = 1; // level 1 has 1 digit, the key says 2
    expectCkksError(() => S.deserializeGaloisKey(ctx, reCrc(lower)), 'CORRUPT_INPUT');
    const flags = bytes.slice(); flags[7] = 0x04 | 0x01;
    expectCkksError(() => S.deserializeGaloisKey(ctx, reCrc(flags)), 'CORRUPT_INPUT');
    // the levelled flag means nothing on a ciphertext
    const ct = S.serializeCiphertext(encryptor.encryptSecret(encoder.encode([1]), sk), { seeded: false });
    const ctFlags = ct.slice(); ctFlags[7] = 0x02;
    expectCkksError(() => S.deserializeCiphertext(ctx, reCrc(ctFlags)), 'CORRUPT_INPUT');
    // a full key whose flag byte is cleared of FLAG_LEVELLED reads the level byte as seed: CRC-valid but wrong length
    const noLevel = bytes.slice(); noLevel[7] = 0x01;
    expectCkksError(() => S.deserializeGaloisKey(ctx, reCrc(noLevel)), 'CORRUPT_INPUT');
  });
});

describe('encapsulation keys: serialisation (insecure N = 2^11)', () => {
  const c2 = new CkksContext({ logN: 11, logQ: [45, 40, 40, 40], logP: [50, 50], logDefaultScale: 40, insecure: true });
  const r2 = seededRandom(new Uint8Array(32).fill(7));
  const sk2 = new KeyGenerator(c2, r2).secretKey();
  const keys = generateEncapsulationKeys(c2, sk2, { hammingWeight: 8, random: r2 });

  it('round-trips seeded (default) and unseeded; seeded is half the size', () => {
    const seeded = S.serializeEncapsulationKeys(keys);
    const plain = S.serializeEncapsulationKeys(keys, { seeded: false });
    for (const bytes of [seeded, plain]) {
      const back = S.deserializeEncapsulationKeys(c2, bytes);
      expect(back.hammingWeight).toBe(8);
      sameWords([keys.denseToSparse.b, keys.denseToSparse.a, keys.sparseToDense.b, keys.sparseToDense.a],
        [back.denseToSparse.b, back.denseToSparse.a, back.sparseToDense.b, back.sparseToDense.a]);
    }
    const N = c2.ringDegree;
    expect(seeded.length).toBe(16 + 4 + (2 + 6) * N * 8 + 64 + 4);
    expect(plain.length).toBe(16 + 4 + 2 * (2 + 6) * N * 8 + 4);
  });

  it('refuses a weight outside [1, N], another parameter set, truncation and bit flips', () => {
    const bytes = S.serializeEncapsulationKeys(keys);
    const zero = bytes.slice(); zero.fill(0, 16, 20);
    expectCkksError(() => S.deserializeEncapsulationKeys(c2, reCrc(zero)), 'CORRUPT_INPUT');
    expectCkksError(() => S.deserializeEncapsulationKeys(ctx, bytes), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => S.deserializeEncapsulationKeys(c2, bytes.subarray(0, bytes.length - 9)), 'CORRUPT_INPUT');
    const flipped = bytes.slice(); flipped[100] = flipped[100]! ^ 1;
    expectCkksError(() => S.deserializeEncapsulationKeys(c2, flipped), 'CORRUPT_INPUT');
    expectCkksError(() => S.deserializeGaloisKey(c2, bytes), 'CORRUPT_INPUT'); // another object type
    expect(() => S.serializeEncapsulationKeys({} as never)).toThrow(TypeError);
  });
});
