/**
 * ChaCha20 stream cipher, RFC 8439 (Nir & Langley 2018), §2.1–2.4: 256-bit key, 96-bit nonce, 32-bit block
 * counter, 20 rounds (10 column/diagonal double rounds). Used here as the deterministic expander for seeded
 * randomness: reproducible test sources and the uniform halves of seeded keys and ciphertexts. Written from the
 * RFC's description with 32-bit word arithmetic (`|0`, `>>>`) on plain numbers and Uint32Arrays; checked against
 * the RFC's test vectors (§2.3.2, §2.4.2, Appendix A.1, A.2). Runs unchanged in Node and browsers, on either byte
 * order (keystream bytes are always the RFC's little-endian serialisation).
 */

/** "expand 32-byte k" as four little-endian words (RFC 8439 §2.3). */
const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

/** True when typed arrays store words little-endian (then a Uint32Array's bytes are the RFC serialisation). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Blocks generated per refill of a stream's internal buffer (1 KiB). */
const BUFFER_BLOCKS = 16;

/** Number of 64-byte blocks one (key, nonce) pair can give: the 32-bit counter must not wrap. */
const COUNTER_LIMIT = 0x100000000;

function checkCounter(counter: number, what: string): void {
  if (typeof counter !== 'number' || !Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) {
    throw new RangeError(`${what}: counter must be an integer in [0, 2^32 − 1], got ${String(counter)}`);
  }
}

function checkBytes(value: Uint8Array, length: number, what: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  if (value.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${value.length}`);
}

/** Writes the initial state (constants, key, counter, nonce; RFC 8439 §2.3) into `state`. */
function initState(state: Uint32Array, key: Uint8Array, counter: number, nonce: Uint8Array): void {
  const kv = new DataView(key.buffer, key.byteOffset, 32);
  const nv = new DataView(nonce.buffer, nonce.byteOffset, 12);
  state[0] = SIGMA0;
  state[1] = SIGMA1;
  state[2] = SIGMA2;
  state[3] = SIGMA3;
  for (let i = 0; i < 8; i++) state[4 + i] = kv.getUint32(4 * i, true);
  state[12] = counter;
  for (let i = 0; i < 3; i++) state[13 + i] = nv.getUint32(4 * i, true);
}

/** Reverses the byte order of a 32-bit word (only used on big-endian platforms). */
function byteSwap(x: number): number {
  return ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/**
 * One block (RFC 8439 §2.3.1 "chacha20_block"): runs the 20 rounds on a copy of `state`, adds `state` back and
 * stores the 16 result words at out[at … at + 15] so that the bytes of `out` are the little-endian serialisation.
 * The quarter round (§2.1) is written out inline: a += b; d ^= a; d <<<= 16; c += d; b ^= c; b <<<= 12;
 * a += b; d ^= a; d <<<= 8; c += d; b ^= c; b <<<= 7.
 */
function chachaCore(state: Uint32Array, out: Uint32Array, at: number): void {
  const s0 = state[0]! | 0, s1 = state[1]! | 0, s2 = state[2]! | 0, s3 = state[3]! | 0;
  const s4 = state[4]! | 0, s5 = state[5]! | 0, s6 = state[6]! | 0, s7 = state[7]! | 0;
  const s8 = state[8]! | 0, s9 = state[9]! | 0, s10 = state[10]! | 0, s11 = state[11]! | 0;
  const s12 = state[12]! | 0, s13 = state[13]! | 0, s14 = state[14]! | 0, s15 = state[15]! | 0;
  let x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7;
  let x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = s13, x14 = s14, x15 = s15;
  let t = 0;
  for (let round = 0; round < 10; round++) {
    // Column round: QUARTERROUND(0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15).
    x0 = (x0 + x4) | 0; t = x12 ^ x0; x12 = (t << 16) | (t >>> 16);
    x8 = (x8 + x12) | 0; t = x4 ^ x8; x4 = (t << 12) | (t >>> 20);
    x0 = (x0 + x4) | 0; t = x12 ^ x0; x12 = (t << 8) | (t >>> 24);
    x8 = (x8 + x12) | 0; t = x4 ^ x8; x4 = (t << 7) | (t >>> 25);

    x1 = (x1 + x5) | 0; t = x13 ^ x1; x13 = (t << 16) | (t >>> 16);
    x9 = (x9 + x13) | 0; t = x5 ^ x9; x5 = (t << 12) | (t >>> 20);
    x1 = (x1 + x5) | 0; t = x13 ^ x1; x13 = (t << 8) | (t >>> 24);
    x9 = (x9 + x13) | 0; t = x5 ^ x9; x5 = (t << 7) | (t >>> 25);

    x2 = (x2 + x6) | 0; t = x14 ^ x2; x14 = (t << 16) | (t >>> 16);
    x10 = (x10 + x14) | 0; t = x6 ^ x10; x6 = (t << 12) | (t >>> 20);
    x2 = (x2 + x6) | 0; t = x14 ^ x2; x14 = (t << 8) | (t >>> 24);
    x10 = (x10 + x14) | 0; t = x6 ^ x10; x6 = (t << 7) | (t >>> 25);

    x3 = (x3 + x7) | 0; t = x15 ^ x3; x15 = (t << 16) | (t >>> 16);
    x11 = (x11 + x15) | 0; t = x7 ^ x11; x7 = (t << 12) | (t >>> 20);
    x3 = (x3 + x7) | 0; t = x15 ^ x3; x15 = (t << 8) | (t >>> 24);
    x11 = (x11 + x15) | 0; t = x7 ^ x11; x7 = (t << 7) | (t >>> 25);

    // Diagonal round: QUARTERROUND(0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14).
    x0 = (x0 + x5) | 0; t = x15 ^ x0; x15 = (t << 16) | (t >>> 16);
    x10 = (x10 + x15) | 0; t = x5 ^ x10; x5 = (t << 12) | (t >>> 20);
    x0 = (x0 + x5) | 0; t = x15 ^ x0; x15 = (t << 8) | (t >>> 24);
    x10 = (x10 + x15) | 0; t = x5 ^ x10; x5 = (t << 7) | (t >>> 25);

    x1 = (x1 + x6) | 0; t = x12 ^ x1; x12 = (t << 16) | (t >>> 16);
    x11 = (x11 + x12) | 0; t = x6 ^ x11; x6 = (t << 12) | (t >>> 20);
    x1 = (x1 + x6) | 0; t = x12 ^ x1; x12 = (t << 8) | (t >>> 24);
    x11 = (x11 + x12) | 0; t = x6 ^ x11; x6 = (t << 7) | (t >>> 25);

    x2 = (x2 + x7) | 0; t = x13 ^ x2; x13 = (t << 16) | (t >>> 16);
    x8 = (x8 + x13) | 0; t = x7 ^ x8; x7 = (t << 12) | (t >>> 20);
    x2 = (x2 + x7) | 0; t = x13 ^ x2; x13 = (t << 8) | (t >>> 24);
    x8 = (x8 + x13) | 0; t = x7 ^ x8; x7 = (t << 7) | (t >>> 25);

    x3 = (x3 + x4) | 0; t = x14 ^ x3; x14 = (t << 16) | (t >>> 16);
    x9 = (x9 + x14) | 0; t = x4 ^ x9; x4 = (t << 12) | (t >>> 20);
    x3 = (x3 + x4) | 0; t = x14 ^ x3; x14 = (t << 8) | (t >>> 24);
    x9 = (x9 + x14) | 0; t = x4 ^ x9; x4 = (t << 7) | (t >>> 25);
  }
  // Add the input state (§2.3), then store; a Uint32Array store reduces the int32 sums mod 2^32.
  out[at] = (x0 + s0) | 0; out[at + 1] = (x1 + s1) | 0; out[at + 2] = (x2 + s2) | 0; out[at + 3] = (x3 + s3) | 0;
  out[at + 4] = (x4 + s4) | 0; out[at + 5] = (x5 + s5) | 0; out[at + 6] = (x6 + s6) | 0; out[at + 7] = (x7 + s7) | 0;
  out[at + 8] = (x8 + s8) | 0; out[at + 9] = (x9 + s9) | 0; out[at + 10] = (x10 + s10) | 0; out[at + 11] = (x11 + s11) | 0;
  out[at + 12] = (x12 + s12) | 0; out[at + 13] = (x13 + s13) | 0; out[at + 14] = (x14 + s14) | 0; out[at + 15] = (x15 + s15) | 0;
  if (!LITTLE_ENDIAN) for (let i = at; i < at + 16; i++) out[i] = byteSwap(out[i]!);
}

/**
 * The ChaCha20 block function (RFC 8439 §2.3): the 64 keystream bytes for (key, counter, nonce).
 *
 * @param key 32-byte key.
 * @param counter 32-bit block counter, an integer in [0, 2^32 − 1].
 * @param nonce 12-byte nonce.
 * @param out 64-byte destination (allocated when omitted).
 * @returns `out`.
 * @throws TypeError / RangeError for arguments of the wrong type or size.
 */
export function chacha20Block(key: Uint8Array, counter: number, nonce: Uint8Array, out: Uint8Array = new Uint8Array(64)): Uint8Array {
  checkBytes(key, 32, 'chacha20Block: key');
  checkBytes(nonce, 12, 'chacha20Block: nonce');
  checkBytes(out, 64, 'chacha20Block: out');
  checkCounter(counter, 'chacha20Block');
  const state = new Uint32Array(16);
  initState(state, key, counter, nonce);
  const words = new Uint32Array(16);
  chachaCore(state, words, 0);
  out.set(new Uint8Array(words.buffer));
  return out;
}

/**
 * A ChaCha20 keystream (RFC 8439 §2.4) for one (key, nonce) pair, starting at block `initialCounter`: the
 * concatenation of the blocks for counters initialCounter, initialCounter + 1, … Successive `fillBytes` calls
 * continue the stream where the previous call stopped, so reading in any chunk sizes gives the same bytes.
 * The stream ends after block 2^32 − 1 (the counter never wraps); reading past it throws a RangeError.
 */
export class ChaCha20Stream {
  private readonly state = new Uint32Array(16);
  private readonly words = new Uint32Array(16 * BUFFER_BLOCKS);
  private readonly bytes = new Uint8Array(this.words.buffer);
  /** Next unread byte of `bytes`. */
  private position = 0;
  /** Number of valid bytes in `bytes`. */
  private available = 0;
  /** Blocks left before the counter would wrap (up to 2^32). */
  private blocksLeft: number;

  /**
   * @param key 32-byte key.
   * @param nonce 12-byte nonce.
   * @param initialCounter counter of the first block, an integer in [0, 2^32 − 1] (default 0).
   */
  constructor(key: Uint8Array, nonce: Uint8Array, initialCounter = 0) {
    checkBytes(key, 32, 'ChaCha20Stream: key');
    checkBytes(nonce, 12, 'ChaCha20Stream: nonce');
    checkCounter(initialCounter, 'ChaCha20Stream');
    initState(this.state, key, initialCounter, nonce);
    this.blocksLeft = COUNTER_LIMIT - initialCounter;
  }

  /** Generates the next blocks into the internal buffer. */
  private refill(): void {
    if (this.blocksLeft === 0) throw new RangeError('ChaCha20Stream: keystream exhausted (the 32-bit block counter would wrap)');
    const blocks = Math.min(BUFFER_BLOCKS, this.blocksLeft);
    const state = this.state;
    for (let b = 0; b < blocks; b++) {
      chachaCore(state, this.words, 16 * b);
      state[12] = (state[12]! + 1) >>> 0; // wraps to 0 only after the last block, which is never used again
    }
    this.blocksLeft -= blocks;
    this.position = 0;
    this.available = 64 * blocks;
  }

  /**
   * Writes the next `out.length` keystream bytes into `out`.
   * @throws RangeError when the stream would run past block 2^32 − 1 (256 GiB in total).
   */
  fillBytes(out: Uint8Array): void {
    if (!(out instanceof Uint8Array)) throw new TypeError('ChaCha20Stream.fillBytes: out must be a Uint8Array');
    const n = out.length;
    let offset = 0;
    while (offset < n) {
      if (this.position === this.available) this.refill();
      const take = Math.min(this.available - this.position, n - offset);
      if (take < 16) {
        for (let i = 0; i < take; i++) out[offset + i] = this.bytes[this.position + i]!;
      } else {
        out.set(this.bytes.subarray(this.position, this.position + take), offset);
      }
      this.position += take;
      offset += take;
    }
  }

  /**
   * Moves past the next `n` keystream bytes without computing whole blocks among them (the block counter is
   * advanced; ChaCha20 is seekable, RFC 8439 §2.4): the same stream position as `fillBytes` of n bytes discarded.
   * @throws RangeError for a bad count or past the end of the stream.
   */
  skip(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`ChaCha20Stream.skip: count must be a non-negative integer, got ${String(n)}`);
    const buffered = this.available - this.position;
    if (n <= buffered) {
      this.position += n;
      return;
    }
    let rest = n - buffered;
    this.position = this.available = 0;
    const blocks = Math.floor(rest / 64);
    if (blocks > this.blocksLeft || (blocks === this.blocksLeft && rest % 64 !== 0)) {
      throw new RangeError('ChaCha20Stream: keystream exhausted (the 32-bit block counter would wrap)');
    }
    this.state[12] = (this.state[12]! + blocks) >>> 0;
    this.blocksLeft -= blocks;
    rest -= 64 * blocks;
    if (rest > 0) {
      this.refill();
      this.position = rest;
    }
  }
}

/**
 * ChaCha20 encryption (RFC 8439 §2.4.1): `data` XOR the keystream for (key, nonce) starting at block `counter`.
 * Encryption and decryption are the same operation. Provided to check the implementation against the RFC's
 * encryption vectors; this library uses ChaCha20 only as a deterministic random generator, never to encrypt.
 *
 * @returns a new array of `data.length` bytes.
 */
export function chacha20Xor(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('chacha20Xor: data must be a Uint8Array');
  const out = new Uint8Array(data.length);
  new ChaCha20Stream(key, nonce, counter).fillBytes(out);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ data[i]!;
  return out;
}
