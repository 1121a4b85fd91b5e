/**
 * CRC-32 (slice-by-8) against an independent bit-at-a-time reference (the polynomial division itself, no tables)
 * and against zlib's values (computed with Python's zlib.crc32, not by this library), at every alignment and
 * length the 8-byte main loop, its head and its tail can see.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 } from '../../src/ckks/serialization/crc32.js';

/** Reflected CRC-32, one bit per step: shift right, XOR 0xEDB88320 when the bit shifted out is 1. */
function crc32Bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (c & 1 ? 0xedb88320 : 0);
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32 (slice-by-8)', () => {
  it('matches zlib on known inputs (values from Python zlib.crc32)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const ramp = new Uint8Array(1024).map((_, i) => i & 0xff);
    expect(crc32(ramp)).toBe(0xb70b4c26);
    const long = new Uint8Array(100003).map((_, i) => (i * i + 7) % 251);
    expect(crc32(long)).toBe(0x2c1706e5);
  });

  it('equals the bitwise reference for every length and byte offset (views into a larger buffer)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.integer({ min: 0, max: 11 }), (data, offset) => {
        const buffer = new Uint8Array(offset + data.length + 5).fill(0xa5);
        buffer.set(data, offset);
        const view = buffer.subarray(offset, offset + data.length);
        expect(crc32(view)).toBe(crc32Bitwise(data));
      }),
      { numRuns: 400, seed: 20261130, verbose: true },
    );
  });

  it('chains: the CRC of the bytes so far carried into the next chunk gives the CRC of the whole, for any split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.array(fc.nat({ max: 300 }), { maxLength: 6 }), (data, cuts) => {
        const at = [0, ...[...new Set(cuts.map((c) => Math.min(c, data.length)))].sort((a, b) => a - b), data.length];
        let c = 0;
        for (let i = 0; i + 1 < at.length; i++) c = crc32(data.subarray(at[i]!, at[i + 1]!), c);
        expect(c).toBe(crc32Bitwise(data));
      }),
      { numRuns: 300, seed: 20261201 },
    );
  });

  it('detects every single flipped bit in a 4 KiB message', () => {
    const msg = new Uint8Array(4096).map((_, i) => (i * 31 + 3) & 0xff);
    const good = crc32(msg);
    for (let i = 0; i < msg.length; i += 97) {
      for (let bit = 0; bit < 8; bit++) {
        msg[i] = msg[i]! ^ (1 << bit);
        expect(crc32(msg)).not.toBe(good);
        msg[i] = msg[i]! ^ (1 << bit);
      }
    }
    expect(crc32(msg)).toBe(good);
  });
});
