/**
 * Sources of random bytes for the samplers.
 *
 * - `systemRandom` (the default everywhere): the platform CSPRNG, Web Crypto's `crypto.getRandomValues`, present
 *   as `globalThis.crypto` in Node ≥ 20 and in browsers. Secret keys, errors and encryption randomness use it
 *   unless a caller injects another source.
 * - `seededRandom(seed, nonce)`: the ChaCha20 keystream (RFC 8439) for a 32-byte seed — deterministic. It serves
 *   (a) reproducible tests and (b) regenerating the uniformly random public half `a` of seeded keys and
 *   ciphertexts from the 32-byte seed stored in their place. Anything derived from a seeded source is known to
 *   whoever knows the seed: never use one for secrets (keys, errors, encryption randomness) outside tests.
 * - `RandomReader`: a 4 KiB buffer over any source, so samplers do not call `fillBytes` once per coefficient.
 * All multi-byte values are read little-endian, so results do not depend on the platform's byte order.
 */
import { ChaCha20Stream } from './chacha20.js';

/** Anything that can fill a byte array with random bytes. */
export interface RandomSource {
  /** Fills all of `out` with random bytes. */
  fillBytes(out: Uint8Array): void;
  /**
   * Optional: moves past the next `n` bytes as if `fillBytes` had produced and discarded them (a seekable stream
   * does it without computing them). Samplers that must consume a fixed amount to stay reproducible call it.
   */
  skipBytes?(n: number): void;
}

/** Moves `src` past `n` bytes: its own `skipBytes`, or bytes drawn into a scratch buffer and dropped. */
export function skipRandomBytes(src: RandomSource, n: number): void {
  if (n <= 0) return;
  if (typeof src.skipBytes === 'function') {
    src.skipBytes(n);
    return;
  }
  const scratch = new Uint8Array(Math.min(n, 1 << 16));
  for (let left = n; left > 0; left -= scratch.length) src.fillBytes(left >= scratch.length ? scratch : scratch.subarray(0, left));
}

/** Web Crypto's limit: `getRandomValues` refuses more than 65536 bytes per call. */
const MAX_GET_RANDOM_VALUES = 65536;

interface WebCryptoLike {
  getRandomValues(array: Uint8Array): Uint8Array;
}

function platformCrypto(): WebCryptoLike {
  const c = (globalThis as { crypto?: Partial<WebCryptoLike> }).crypto;
  if (c === undefined || c === null || typeof c.getRandomValues !== 'function') {
    throw new Error(
      'systemRandom: no cryptographic random generator (globalThis.crypto.getRandomValues) is available on this '
      + 'platform; use Node >= 20 or a browser, or pass a RandomSource explicitly',
    );
  }
  return c as WebCryptoLike;
}

/**
 * The platform CSPRNG: `globalThis.crypto.getRandomValues`, called in chunks of at most 64 KiB (its per-call
 * limit). Throws an Error when the platform has no Web Crypto.
 */
export const systemRandom: RandomSource = Object.freeze({
  fillBytes(out: Uint8Array): void {
    if (!(out instanceof Uint8Array)) throw new TypeError('systemRandom.fillBytes: out must be a Uint8Array');
    const crypto = platformCrypto();
    for (let offset = 0; offset < out.length; offset += MAX_GET_RANDOM_VALUES) {
      crypto.getRandomValues(out.subarray(offset, Math.min(out.length, offset + MAX_GET_RANDOM_VALUES)));
    }
  },
});

/**
 * A deterministic source: the ChaCha20 keystream (RFC 8439) with key = `seed`, the given 12-byte `nonce`
 * (default all zero) and block counter starting at 0. The same (seed, nonce) always yields the same bytes, on
 * every platform; different nonces give independent streams for one seed. Use it for tests and for expanding
 * public uniform polynomials from a stored seed — not for secrets (see the module comment). One stream gives at
 * most 256 GiB.
 *
 * @param seed 32 bytes (the ChaCha20 key); copied, so later changes to the array do not affect the source.
 * @param nonce 12 bytes.
 */
export function seededRandom(seed: Uint8Array, nonce: Uint8Array = new Uint8Array(12)): RandomSource {
  if (!(seed instanceof Uint8Array)) throw new TypeError('seededRandom: seed must be a Uint8Array');
  if (seed.length !== 32) throw new RangeError(`seededRandom: seed must be 32 bytes, got ${seed.length}`);
  if (!(nonce instanceof Uint8Array)) throw new TypeError('seededRandom: nonce must be a Uint8Array');
  if (nonce.length !== 12) throw new RangeError(`seededRandom: nonce must be 12 bytes, got ${nonce.length}`);
  const stream = new ChaCha20Stream(seed, nonce);
  return Object.freeze({ fillBytes: (out: Uint8Array): void => stream.fillBytes(out), skipBytes: (n: number): void => stream.skip(n) });
}

/** One uniformly random 64-bit unsigned integer: 8 bytes from `src`, read little-endian. */
export function randomUint64(src: RandomSource = systemRandom): bigint {
  const bytes = new Uint8Array(8);
  src.fillBytes(bytes);
  return new DataView(bytes.buffer).getBigUint64(0, true);
}

/** Size of the reader's buffer. */
const READER_BUFFER_BYTES = 4096;

/**
 * Buffered reader over a RandomSource: pulls 4 KiB at a time and hands out bytes, 32-bit and 64-bit words
 * (little-endian) and 53-bit doubles, so samplers do not call the source once per coefficient.
 *
 * Consumption rule (it fixes the output of seeded sampling, so it is part of the behaviour): a value of k bytes
 * is read from the current buffer position when k bytes remain in the buffer; otherwise the rest of the buffer
 * is discarded and a fresh 4 KiB is drawn. `bytes(out)` instead uses every buffered byte. Bytes left in the
 * buffer when the reader is dropped are never used by anyone else.
 */
export class RandomReader {
  private readonly buffer = new Uint8Array(READER_BUFFER_BYTES);
  private readonly view = new DataView(this.buffer.buffer);
  private position = READER_BUFFER_BYTES;
  private readonly source: RandomSource;

  /** @param source where the bytes come from (default: the platform CSPRNG). */
  constructor(source: RandomSource = systemRandom) {
    if (source === null || typeof source !== 'object' || typeof source.fillBytes !== 'function') {
      throw new TypeError('RandomReader: source must be a RandomSource (an object with fillBytes)');
    }
    this.source = source;
  }

  /** Makes sure `count` unread bytes are buffered (count ≤ 4096), discarding a shorter tail. */
  private ensure(count: number): void {
    if (this.position + count > READER_BUFFER_BYTES) {
      this.source.fillBytes(this.buffer);
      this.position = 0;
    }
  }

  /** A uniform byte in [0, 255]. */
  byte(): number {
    this.ensure(1);
    return this.buffer[this.position++]!;
  }

  /** A uniform 32-bit unsigned integer in [0, 2^32 − 1]. */
  uint32(): number {
    this.ensure(4);
    const v = this.view.getUint32(this.position, true);
    this.position += 4;
    return v;
  }

  /** A uniform 64-bit unsigned integer in [0, 2^64 − 1]. */
  uint64(): bigint {
    this.ensure(8);
    const v = this.view.getBigUint64(this.position, true);
    this.position += 8;
    return v;
  }

  /**
   * A uniform integer in [0, bound − 1] for an integer bound in [1, 2^32], without modulo bias: 32-bit words
   * r ≥ floor(2^32 / bound)·bound are rejected, and r mod bound is returned.
   */
  uint32Below(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 0x100000000) {
      throw new RangeError(`RandomReader.uint32Below: bound must be an integer in [1, 2^32], got ${bound}`);
    }
    const limit = Math.floor(0x100000000 / bound) * bound;
    let r = this.uint32();
    while (r >= limit) r = this.uint32();
    return r % bound;
  }

  /** A uniform double in [0, 1): a 53-bit integer (27 + 26 bits of two 32-bit words) divided by 2^53. */
  float53(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Fills `out` with the next random bytes (using up the buffered bytes first). */
  bytes(out: Uint8Array): void {
    if (!(out instanceof Uint8Array)) throw new TypeError('RandomReader.bytes: out must be a Uint8Array');
    let offset = 0;
    while (offset < out.length) {
      if (this.position === READER_BUFFER_BYTES) this.ensure(1);
      const take = Math.min(READER_BUFFER_BYTES - this.position, out.length - offset);
      out.set(this.buffer.subarray(this.position, this.position + take), offset);
      this.position += take;
      offset += take;
    }
  }
}
