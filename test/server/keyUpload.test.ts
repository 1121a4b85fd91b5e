// The checks the HTTP service runs on a key blob while it streams (src/server/keyUpload.ts), against the library's
// own reader as the reference: for any split of the body into chunks (down to 1 byte, below the 4-byte CRC trailer),
// a valid blob passes and a changed, truncated or extended one is refused, as deserializeGaloisKey refuses it.
// Small INSECURE parameters (N = 2^10): only the bytes' framing matters here.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 } from '../../src/ckks/serialization/crc32.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { deserializeGaloisKey, serializeGaloisKey } from '../../src/ckks/serialization/format.js';
import { ServiceError } from '../../src/server/envelopes.js';
import { KeyUploadCheck, parseCrcHeader } from '../../src/server/keyUpload.js';

const ctx = new CkksContext({ logN: 10, logQ: [40, 30], logP: [45], logDefaultScale: 30, insecure: true });
const kg = new KeyGenerator(ctx);
const blob = serializeGaloisKey(kg.galoisKey(kg.secretKey(), 5));
const fingerprint = ctx.params.fingerprint();

/** Runs the streaming check over `bytes` cut at `cuts`; the ServiceError's status and code, or 'ok'. */
function stream(name: string, bytes: Uint8Array, cuts: readonly number[], crc = crc32(bytes), limit = 1 << 30): string {
  try {
    const check = new KeyUploadCheck(name, crc, fingerprint, limit);
    const at = [0, ...[...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b), bytes.length];
    for (let i = 0; i + 1 < at.length; i++) check.update(bytes.subarray(at[i]!, at[i + 1]!));
    check.finish();
    return 'ok';
  } catch (e) {
    if (e instanceof ServiceError) return `${e.status} ${e.code}`;
    throw e;
  }
}

const cuts = fc.array(fc.nat({ max: blob.length }), { maxLength: 12 });

describe('key upload checks while streaming (INSECURE N = 2^10 keys) vs the library reader', () => {
  it('a valid blob passes for every chunking; the reader accepts it', () => {
    expect(deserializeGaloisKey(ctx, blob).galoisElement).toBe(5);
    fc.assert(fc.property(cuts, (c) => stream('galois-5', blob, c) === 'ok'));
    expect(stream('galois-5', blob, Array.from({ length: blob.length }, (_, i) => i))).toBe('ok'); // one byte at a time
  });

  it('a changed byte (checksum recomputed, as a sender would) is refused with 400 for every chunking, as by the reader', () => {
    fc.assert(fc.property(fc.nat(blob.length - 1), fc.integer({ min: 1, max: 255 }), cuts, (i, x, c) => {
      const bad = blob.slice();
      bad[i] = bad[i]! ^ x;
      expect(() => deserializeGaloisKey(ctx, bad)).toThrow();
      return stream('galois-5', bad, c).startsWith('400 ');
    }), { numRuns: 200 });
  });

  it('truncated or extended blobs, the wrong name or element, a wrong x-crc32, another parameter set, over the limit', () => {
    fc.assert(fc.property(fc.nat(blob.length - 1), cuts, (n, c) => stream('galois-5', blob.subarray(0, n), c) === '400 CORRUPT_INPUT'));
    expect(stream('galois-5', Uint8Array.of(...blob, 0), [])).toBe('400 CORRUPT_INPUT');
    expect(stream('galois-25', blob, [])).toBe('400 CORRUPT_INPUT'); // element 5 under the name of 25
    expect(stream('relinearization', blob, [])).toBe('400 CORRUPT_INPUT'); // a Galois key is not a relinearisation key
    expect(stream('galois-5', blob, [], crc32(blob) ^ 1)).toBe('400 CORRUPT_INPUT');
    expect(stream('galois-5', blob, [7], crc32(blob), blob.length - 1)).toBe('413 TOO_LARGE');
    expect(stream('galois-5', blob, [], crc32(blob), blob.length)).toBe('ok');
    const other = new CkksContext({ logN: 10, logQ: [40, 31], logP: [45], logDefaultScale: 30, insecure: true });
    const okg = new KeyGenerator(other);
    expect(stream('galois-5', serializeGaloisKey(okg.galoisKey(okg.secretKey(), 5)), [3])).toBe('409 INCOMPATIBLE_PARAMETERS');
    expect(() => new KeyUploadCheck('secret', 0, fingerprint, 10)).toThrow(ServiceError);
    expect(parseCrcHeader('00ff10AB')).toBe(0x00ff10ab);
    for (const h of [undefined, '', 'ff', '0x00ff10ab', '00ff10abc', ['00ff10ab']]) expect(() => parseCrcHeader(h)).toThrow(ServiceError);
  });
});
