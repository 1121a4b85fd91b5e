// Protocol messages (src/face/protocol/messages.ts): round trips keep every ciphertext exactly (compared word by word
// and by decryption), and every corruption is refused with a typed CkksError — truncation at every length, bit flips
// (CRC), re-CRC'd edits of the envelope fields, another kind, another parameter set — never a different message.
// Small insecure parameters (N = 2^10).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CkksError } from '../../src/ckks/errors.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { crc32 } from '../../src/ckks/serialization/crc32.js';
import { deserializeFaceMessage, serializeFaceMessage, type FaceMessage } from '../../src/face/protocol/messages.js';
import { expectCkksError } from '../support/expectCkksError.js';

const ctx = new CkksContext({ logN: 10, logQ: [50, 40], logP: [50], logDefaultScale: 30, insecure: true });
const other = new CkksContext({ logN: 10, logQ: [50, 40], logP: [51], logDefaultScale: 30, insecure: true });
const random = seededRandom(new Uint8Array(32).fill(3));
const kg = new KeyGenerator(ctx, random);
const sk = kg.secretKey();
const pk = kg.publicKey(sk);
const encoder = new Encoder(ctx);
const encryptor = new Encryptor(ctx, random);
const MODEL = 'ab'.repeat(32);

function message(): FaceMessage {
  return {
    kind: 'template', model: MODEL, metadata: { templates: 1, note: 'test ✓' },
    ciphertexts: [encryptor.encryptPublic(encoder.encode([0.25, -0.5]), pk), encryptor.encryptSecret(encoder.encode([1, 2, 3], { level: 0 }), sk)],
  };
}

function reCrc(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe('face protocol messages (insecure N = 2^10)', () => {
  const m = message();
  const bytes = serializeFaceMessage(m);

  it('round-trips kind, model, metadata and every ciphertext exactly', () => {
    const back = deserializeFaceMessage(ctx, bytes, 'template');
    expect(back.kind).toBe('template');
    expect(back.model).toBe(MODEL);
    expect(back.metadata).toEqual({ templates: 1, note: 'test ✓' });
    expect(back.ciphertexts.length).toBe(2);
    back.ciphertexts.forEach((ct, i) => {
      const want = m.ciphertexts[i]!;
      expect([ct.level, ct.scale, ct.slots, ct.degree]).toEqual([want.level, want.scale, want.slots, want.degree]);
      ct.parts.forEach((p, j) => expect(Array.from(p.data)).toEqual(Array.from(want.parts[j]!.data)));
    });
    const d = new Decryptor(ctx, sk);
    expect(Math.abs(encoder.decodeReal(d.decrypt(back.ciphertexts[0]!))[1]! + 0.5)).toBeLessThan(1e-4);
  });

  it('refuses another kind, another parameter set, a bad model hash or metadata at write time', () => {
    expectCkksError(() => deserializeFaceMessage(ctx, bytes, 'probe'), 'CORRUPT_INPUT');
    expectCkksError(() => deserializeFaceMessage(other, bytes, 'template'), 'INCOMPATIBLE_PARAMETERS');
    expect(() => serializeFaceMessage({ ...m, model: 'xyz' })).toThrow(RangeError);
    expect(() => serializeFaceMessage({ ...m, metadata: { a: Number.NaN } })).toThrow(RangeError);
    expect(() => serializeFaceMessage({ ...m, ciphertexts: [] })).toThrow(RangeError);
    expect(() => serializeFaceMessage({ ...m, kind: 'nope' as never })).toThrow(RangeError);
  });

  it('refuses every truncation and any flipped bit (fast-check)', () => {
    for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 400))) {
      expectCkksError(() => deserializeFaceMessage(ctx, bytes.subarray(0, n), 'template'), 'CORRUPT_INPUT');
    }
    fc.assert(fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 0, max: 7 }), (i, bit) => {
      const b = bytes.slice();
      b[i] = b[i]! ^ (1 << bit);
      expectCkksError(() => deserializeFaceMessage(ctx, b, 'template'), 'CORRUPT_INPUT');
    }), { numRuns: 200 });
  });

  it("refuses re-CRC'd edits of the envelope: magic, version, kind, flags, metadata length and JSON, count, lengths", () => {
    // layout: magic 0..3 | version 4..5 | kind 6 | flags 7 | model 8..39 | metadata length 40..43 | metadata 44…
    const metaLength = new DataView(bytes.buffer).getUint32(40, true);
    const countAt = 44 + metaLength;
    const edits: Array<(b: Uint8Array, v: DataView) => void> = [
      (b) => { b[0] = 0x58; },
      (_, v) => v.setUint16(4, 2, true),
      (b) => { b[6] = 9; },
      (b) => { b[7] = 1; },
      (_, v) => v.setUint32(40, 0xffffff, true),
      (b) => { b[44] = 0x5b; }, // '[' — not an object
      (b) => { b[44 + 2] = 0xff; }, // invalid UTF-8
      (_, v) => v.setUint16(countAt, 0, true),
      (_, v) => v.setUint16(countAt, 3, true),
      (_, v) => v.setUint32(countAt + 2, 0xffffffff, true),
      (_, v) => v.setUint32(countAt + 2, v.getUint32(countAt + 2, true) - 1, true),
    ];
    for (const edit of edits) {
      const b = bytes.slice();
      edit(b, new DataView(b.buffer));
      let thrown: unknown;
      try { deserializeFaceMessage(ctx, reCrc(b), 'template'); } catch (e) { thrown = e; }
      expect(thrown).toBeInstanceOf(CkksError);
      expect((thrown as CkksError).code).toBe('CORRUPT_INPUT');
    }
    // trailing bytes
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes.subarray(0, bytes.length - 4));
    expectCkksError(() => deserializeFaceMessage(ctx, reCrc(longer), 'template'), 'CORRUPT_INPUT');
    expect(() => deserializeFaceMessage(ctx, 'x' as never, 'template')).toThrow(TypeError);
  });
});
