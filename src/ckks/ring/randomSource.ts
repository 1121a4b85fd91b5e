/**
 * Sources of random bytes. Secret keys and noise use `systemRandom` (the platform CSPRNG,
 * `crypto.getRandomValues`, in Node ≥ 20 and browsers) unless a caller injects another source. `seededRandom`
 * is a deterministic ChaCha20 stream: for reproducible tests, and for expanding the uniformly random public half
 * of keys and ciphertexts from a 32-byte seed (so they can be stored and sent "seeded"). Never use a seeded
 * source for secrets outside tests.
 */
import { ChaCha20Stream } from './chacha20.js';

export interface RandomSource {
  /** Fills `out` with random bytes. */
  fillBytes(out: Uint8Array): void;
}

const MAX_GET_RANDOM_VALUES = 65536;

/** The platform CSPRNG (`globalThis.crypto.getRandomValues`, at most 64 KiB per call, so it is looped). */
export const systemRandom: RandomSource = Object.freeze({
  fillBytes(out: Uint8Array): void {
    const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
    if (c === undefined || typeof c.getRandomValues !== 'function') {
      throw new Error('systemRandom: globalThis.crypto.getRandomValues is not available on this platform');
    }
    for (let offset = 0; offset < out.length; offset += MAX_GET_RANDOM_VALUES) {
      c.getRandomValues(out.subarray(offset, Math.min(out.length, offset + MAX_GET_RANDOM_VALUES)));
    }
  },
});

/** A deterministic source: the ChaCha20 keystream for (seed, nonce), nonce defaulting to zero. */
export function seededRandom(seed: Uint8Array, nonce: Uint8Array = new Uint8Array(12)): RandomSource {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new RangeError('seededRandom: seed must be a 32-byte Uint8Array');
  if (!(nonce instanceof Uint8Array) || nonce.length !== 12) throw new RangeError('seededRandom: nonce must be a 12-byte Uint8Array');
  const stream = new ChaCha20Stream(seed, nonce);
  return { fillBytes: (out: Uint8Array) => stream.fillBytes(out) };
}

/**
 * Buffered reader over a RandomSource: pulls 4 KiB at a time and hands out bytes, 32-bit and 64-bit words,
 * so samplers do not call the source once per coefficient.
 */
export class RandomReader {
  private readonly buffer = new Uint8Array(4096);
  private readonly view = new DataView(this.buffer.buffer);
  private position = 4096;

  constructor(private readonly source: RandomSource) {}

  private refill(bytes: number): void {
    if (this.position + bytes > 4096) {
      this.source.fillBytes(this.buffer);
      this.position = 0;
    }
  }

  byte(): number {
    this.refill(1);
    return this.buffer[this.position++]!;
  }

  uint32(): number {
    this.refill(4);
    const v = this.view.getUint32(this.position, true);
    this.position += 4;
    return v;
  }

  uint64(): bigint {
    this.refill(8);
    const v = this.view.getBigUint64(this.position, true);
    this.position += 8;
    return v;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  float53(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}
