// Serialisation: exact round trips for every object type, seeded sizes, and a fuzz test feeding thousands of
// truncated / mutated / random blobs that must produce only typed CkksErrors (CORRUPT_INPUT or
// INCOMPATIBLE_PARAMETERS) — no other exception, no hang, never a silently different value.
// Small insecure parameters (N = 2^4 for the fuzz, N = 2^10 for round trips).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CkksError } from '../../src/ckks/errors.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Parameters } from '../../src/ckks/scheme/parameters.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import * as S from '../../src/ckks/serialization/index.js';

function setup(logN: number) {
  const ctx = new CkksContext({ logN, logQ: [50, 40], logP: [50], logDefaultScale: 30, insecure: true });
  const random = seededRandom(new Uint8Array(32).fill(logN));
  const kg = new KeyGenerator(ctx, random);
  const sk = kg.secretKey();
  const pk = kg.publicKey(sk);
  const rlk = kg.relinearizationKey(sk);
  const gk = kg.galoisKey(sk, 5);
  const encoder = new Encoder(ctx);
  const enc = new Encryptor(ctx, random);
  const pt = encoder.encode([0.5, -1, 2], { level: 1 });
  return { ctx, sk, pk, rlk, gk, pt, encoder, enc, ctPk: enc.encryptPublic(pt, pk), ctSk: enc.encryptSecret(pt, sk) };
}

const same = (a: { data: BigUint64Array }, b: { data: BigUint64Array }) => expect(Array.from(b.data)).toEqual(Array.from(a.data));

describe('serialisation round trips (small insecure N = 2^10)', () => {
  const s = setup(10);
  it('parameters, plaintexts, ciphertexts (seeded and not), all keys', () => {
    const params = S.deserializeParameters(S.serializeParameters(s.ctx.params));
    expect(params.fingerprint()).toBe(s.ctx.params.fingerprint());
    expect(params.Q).toEqual(s.ctx.params.Q);
    const pt = S.deserializePlaintext(s.ctx, S.serializePlaintext(s.pt));
    same(s.pt.poly, pt.poly);
    expect([pt.scale, pt.slots, pt.level]).toEqual([s.pt.scale, s.pt.slots, s.pt.level]);
    for (const ct of [s.ctPk, s.ctSk]) {
      const back = S.deserializeCiphertext(s.ctx, S.serializeCiphertext(ct));
      ct.parts.forEach((p, i) => same(p, back.parts[i]!));
      expect([back.scale, back.slots, back.level]).toEqual([ct.scale, ct.slots, ct.level]);
    }
    const sk = S.deserializeSecretKey(s.ctx, S.serializeSecretKey(s.sk));
    same(s.sk.poly, sk.poly);
    const pk = S.deserializePublicKey(s.ctx, S.serializePublicKey(s.pk));
    same(s.pk.a, pk.a); same(s.pk.b, pk.b);
    const rlk = S.deserializeRelinearizationKey(s.ctx, S.serializeRelinearizationKey(s.rlk, { seeded: false }));
    s.rlk.a.forEach((p, j) => same(p, rlk.a[j]!));
    const gk = S.deserializeGaloisKey(s.ctx, S.serializeGaloisKey(s.gk));
    expect(gk.galoisElement).toBe(5);
    s.gk.a.forEach((p, j) => same(p, gk.a[j]!));
    s.gk.b.forEach((p, j) => same(p, gk.b[j]!));
    // Galois keys of the retired type 7 (σ_k(s) → s) are refused with a message saying so, never used silently
    const retired = S.serializeGaloisKey(s.gk).slice();
    expect(retired[6]).toBe(8);
    retired[6] = 7;
    new DataView(retired.buffer).setUint32(retired.length - 4, S.crc32(retired.subarray(0, retired.length - 4)), true);
    expect(() => S.deserializeGaloisKey(s.ctx, retired)).toThrow(/retired type 7/);
    // the deserialised ciphertext still decrypts
    const dec = new Decryptor(s.ctx, sk);
    const v = s.encoder.decode(dec.decrypt(S.deserializeCiphertext(s.ctx, S.serializeCiphertext(s.ctSk)))).re;
    expect(Math.abs(v[1]! + 1)).toBeLessThan(1e-5);
  });
  it('seeded objects are about half the size of unseeded ones', () => {
    const seeded = S.serializeCiphertext(s.ctSk).length, full = S.serializeCiphertext(s.ctSk, { seeded: false }).length;
    expect(seeded / full).toBeLessThan(0.52);
    expect(S.serializeRelinearizationKey(s.rlk).length / S.serializeRelinearizationKey(s.rlk, { seeded: false }).length).toBeLessThan(0.52);
    expect(() => S.serializeCiphertext(s.ctPk, { seeded: true })).toThrow(RangeError);
  });
  it('objects of another parameter set are INCOMPATIBLE_PARAMETERS', () => {
    const other = setup(11);
    expect(() => S.deserializeCiphertext(other.ctx, S.serializeCiphertext(s.ctPk))).toThrow(/INCOMPATIBLE_PARAMETERS/);
  });
  it('insecure parameters do not load as secure ones', () => {
    const p = new Parameters({ logN: 10, logQ: [60], logP: [60], logDefaultScale: 30, insecure: true });
    expect(S.deserializeParameters(S.serializeParameters(p)).insecure).toBe(true);
  });
  it('CRC-32 matches the standard check value', () => {
    expect(S.crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('deserialisation fuzz (small insecure N = 2^4): only typed errors, never a wrong value', () => {
  const s = setup(4);
  const blobs: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ['parameters', S.serializeParameters(s.ctx.params), (b) => S.deserializeParameters(b)],
    ['plaintext', S.serializePlaintext(s.pt), (b) => S.deserializePlaintext(s.ctx, b)],
    ['ciphertext', S.serializeCiphertext(s.ctPk), (b) => S.deserializeCiphertext(s.ctx, b)],
    ['seeded ciphertext', S.serializeCiphertext(s.ctSk), (b) => S.deserializeCiphertext(s.ctx, b)],
    ['secret key', S.serializeSecretKey(s.sk), (b) => S.deserializeSecretKey(s.ctx, b)],
    ['public key', S.serializePublicKey(s.pk), (b) => S.deserializePublicKey(s.ctx, b)],
    ['relin key', S.serializeRelinearizationKey(s.rlk, { seeded: false }), (b) => S.deserializeRelinearizationKey(s.ctx, b)],
    ['galois key', S.serializeGaloisKey(s.gk), (b) => S.deserializeGaloisKey(s.ctx, b)],
  ];
  const expectTyped = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(CkksError);
      expect(['CORRUPT_INPUT', 'INCOMPATIBLE_PARAMETERS']).toContain((e as CkksError).code);
      return;
    }
    throw new Error('a corrupted blob was accepted');
  };
  for (const [name, blob, read] of blobs) {
    it(`${name}: every truncation, and random byte mutations, are rejected with a typed error`, () => {
      expect(() => read(blob)).not.toThrow();
      for (let len = 0; len < blob.length; len += Math.max(1, Math.floor(blob.length / 300))) expectTyped(() => read(blob.subarray(0, len)));
      fc.assert(fc.property(fc.uniqueArray(fc.tuple(fc.nat(blob.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4, selector: ([i]) => i }), (edits) => {
        const m = blob.slice();
        for (const [i, x] of edits) m[i] = m[i]! ^ x; // distinct positions, non-zero masks: the blob really changes
        expectTyped(() => read(m));
      }), { numRuns: 250 });
    });
  }
  it('with the CRC recomputed after mutation (field validation exercised): a typed error or a well-formed object, never a crash', () => {
    const withCrc = (b: Uint8Array) => {
      const out = b.slice();
      new DataView(out.buffer).setUint32(out.length - 4, S.crc32(out.subarray(0, out.length - 4)), true);
      return out;
    };
    let rejected = 0;
    for (const [, blob, read] of blobs) {
      fc.assert(fc.property(fc.nat(blob.length - 5), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const m = blob.slice();
        m[i] = m[i]! ^ x;
        try {
          read(withCrc(m));
        } catch (e) {
          expect(e).toBeInstanceOf(CkksError);
          rejected++;
        }
      }), { numRuns: 250 });
    }
    expect(rejected).toBeGreaterThan(100); // header, counts, scales, residues ≥ q … are caught by field checks
  });

  it('random bytes and appended garbage are rejected', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      for (const [, , read] of blobs) expectTyped(() => read(b));
    }), { numRuns: 300 });
    for (const [, blob, read] of blobs) expectTyped(() => read(Uint8Array.from([...blob, 0])));
  });
});
