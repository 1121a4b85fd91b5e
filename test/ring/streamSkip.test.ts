/**
 * Skipping keystream (ChaCha20Stream.skip, seededRandom's skipBytes) and the uniform sampler that relies on it.
 * The sampler's stream consumption is part of the serialisation format (seeded keys and ciphertexts re-expand their
 * uniform half from 32 bytes), so its output and the stream position after it are checked word for word against a
 * reference: the previous implementation, which drew every block in full through a DataView and discarded the rest.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChaCha20Stream } from '../../src/ckks/ring/chacha20.js';
import { seededRandom, skipRandomBytes, type RandomSource } from '../../src/ckks/ring/randomSource.js';
import { sampleUniformModQ } from '../../src/ckks/ring/sampling.js';

/** The sampler before stream skipping (reference for the consumption pattern and the values). */
function referenceUniform(q: bigint, n: number, src: RandomSource): bigint[] {
  let bits = 0;
  for (let v = q - 1n; v > 0n; v >>= 1n) bits++;
  const out: bigint[] = [];
  while (out.length < n) {
    const words = Math.max(64, 2 * (n - out.length) + 8);
    const block = new Uint8Array(8 * words);
    src.fillBytes(block);
    const view = new DataView(block.buffer);
    for (let i = 0; i < words && out.length < n; i++) {
      const v = view.getBigUint64(8 * i, true) & ((1n << BigInt(bits)) - 1n);
      if (v < q) out.push(v);
    }
  }
  return out;
}

const seedOf = (k: number) => new Uint8Array(32).map((_, i) => (k * 31 + i) & 0xff);

describe('ChaCha20 stream skipping', () => {
  it('skip(n) leaves the stream where fillBytes(n) would (any mix of reads and skips, fast-check)', () => {
    const op = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3000 }));
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 1000 }), (ops, k) => {
      const a = new ChaCha20Stream(seedOf(k), new Uint8Array(12));
      const b = new ChaCha20Stream(seedOf(k), new Uint8Array(12));
      for (const [read, len] of ops) {
        const x = new Uint8Array(len);
        a.fillBytes(x);
        if (read) {
          const y = new Uint8Array(len);
          b.fillBytes(y);
          expect(y).toEqual(x);
        } else {
          b.skip(len);
        }
      }
      const tailA = new Uint8Array(100), tailB = new Uint8Array(100);
      a.fillBytes(tailA);
      b.fillBytes(tailB);
      expect(tailB).toEqual(tailA);
    }), { numRuns: 200, seed: 20261201, verbose: true });
  });

  it('refuses a bad count and skipping past the end of the stream', () => {
    const s = new ChaCha20Stream(seedOf(1), new Uint8Array(12), 0xffffffff); // one block left
    expect(() => s.skip(-1)).toThrow(RangeError);
    expect(() => s.skip(1.5)).toThrow(RangeError);
    expect(() => s.skip(65)).toThrow(RangeError);
    s.skip(64);
    expect(() => s.fillBytes(new Uint8Array(1))).toThrow(RangeError);
  });

  it('skipRandomBytes draws and drops for a source without skipBytes', () => {
    const drawn: number[] = [];
    const src: RandomSource = { fillBytes: (out) => { drawn.push(out.length); out.fill(7); } };
    skipRandomBytes(src, 70000);
    expect(drawn.reduce((s, x) => s + x, 0)).toBe(70000);
    skipRandomBytes(src, 0);
    expect(drawn.reduce((s, x) => s + x, 0)).toBe(70000);
  });
});

describe('sampleUniformModQ with a seekable source', () => {
  const primes = [97n, (1n << 45n) - 229375n, 1152921504606830593n, (1n << 61n) - 1n, (1n << 32n) + 15n];
  it('the same values and the same stream position afterwards as the reference (every prime size, n = 1 … 5000)', () => {
    for (const q of primes) {
      for (const n of [1, 7, 64, 1000, 5000]) {
        const seed = seedOf(Number(q % 1000n) + n);
        const a = seededRandom(seed), b = seededRandom(seed);
        const want = referenceUniform(q, n, a);
        const got = new BigUint64Array(n);
        sampleUniformModQ(q, got, b);
        expect(Array.from(got)).toEqual(want);
        const ta = new Uint8Array(40), tb = new Uint8Array(40);
        a.fillBytes(ta);
        b.fillBytes(tb);
        expect(tb).toEqual(ta);
        // and through a source without skipBytes (bytes drawn and dropped): the same again
        const c = seededRandom(seed);
        const plain: RandomSource = { fillBytes: (o) => c.fillBytes(o) };
        const got2 = new BigUint64Array(n);
        sampleUniformModQ(q, got2, plain);
        expect(Array.from(got2)).toEqual(want);
      }
    }
  });
});
