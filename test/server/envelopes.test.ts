// The request thread's checks of a face message's envelope (src/server/envelopes.ts), against the library's reader
// (deserializeFaceMessage) as the reference: a valid probe passes; any changed byte, a truncation or trailing bytes
// are refused with 400, as the reader refuses them; the wrong kind is 400, another model or parameter set 409.
// Small INSECURE parameters (N = 2^10): only the framing matters here.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { deserializeFaceMessage, serializeFaceMessage, type FaceMessage } from '../../src/face/protocol/messages.js';
import { ServiceError, checkFaceMessage } from '../../src/server/envelopes.js';

const literal = { logN: 10, logQ: [40, 30], logP: [45], logDefaultScale: 30, insecure: true } as const;
const ctx = new CkksContext(literal);
const other = new CkksContext({ ...literal, logQ: [40, 31] });
const model = 'ab'.repeat(32);

function probe(c: CkksContext, overrides: Partial<FaceMessage> = {}): Uint8Array {
  const kg = new KeyGenerator(c);
  const ct = new Encryptor(c).encryptSecret(new Encoder(c).encode([1, 2, 3]), kg.secretKey());
  return serializeFaceMessage({ kind: 'probe', model, metadata: { patches: 4 }, ciphertexts: [ct, ct], ...overrides });
}

const valid = probe(ctx);
const fingerprint = ctx.params.fingerprint();
const check = (bytes: Uint8Array, kind: 'probe' | 'template' = 'probe'): string => {
  try {
    return `ok ${checkFaceMessage(bytes, kind, model, fingerprint)}`;
  } catch (e) {
    if (e instanceof ServiceError) return `${e.status} ${e.code}`;
    throw e;
  }
};

describe('face message envelope checks (INSECURE N = 2^10) vs the library reader', () => {
  it('a valid probe passes (its ciphertext count returned), as the reader reads it', () => {
    expect(deserializeFaceMessage(ctx, valid, 'probe').ciphertexts.length).toBe(2);
    expect(check(valid)).toBe('ok 2');
  });

  it('every changed byte, truncation or trailing byte is refused with 400 CORRUPT_INPUT, and the reader refuses it too', () => {
    fc.assert(fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const bad = valid.slice();
      bad[i] = bad[i]! ^ x;
      expect(() => deserializeFaceMessage(ctx, bad, 'probe')).toThrow();
      return check(bad) === '400 CORRUPT_INPUT';
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.nat(valid.length - 1), (n) => check(valid.subarray(0, n)) === '400 CORRUPT_INPUT'));
    expect(check(Uint8Array.of(...valid, 0))).toBe('400 CORRUPT_INPUT');
  });

  it('the wrong kind is 400; another model or another parameter set is 409', () => {
    expect(check(valid, 'template')).toBe('400 CORRUPT_INPUT');
    expect(check(probe(ctx, { kind: 'template' }))).toBe('400 CORRUPT_INPUT');
    expect(check(probe(ctx, { model: 'cd'.repeat(32) }))).toBe('409 INCOMPATIBLE_PARAMETERS');
    expect(check(probe(other))).toBe('409 INCOMPATIBLE_PARAMETERS');
  });
});
