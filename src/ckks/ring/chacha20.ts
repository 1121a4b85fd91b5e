/**
 * ChaCha20 stream cipher, RFC 8439 (Nir & Langley 2018), §2.1–2.4: 256-bit key, 96-bit nonce, 32-bit block
 * counter, 20 rounds. Used here as the deterministic expander ("XOF") for seeded randomness: test sources and
 * the uniform halves of seeded keys and ciphertexts. Written from the RFC's description with 32-bit word
 * arithmetic; checked against the RFC's test vectors.
 */

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const; // "expand 32-byte k"

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/**
 * The ChaCha20 block function (RFC 8439 §2.3): 64 bytes of keystream for (key, counter, nonce), written
 * into `out` (64 bytes).
 */
export function chacha20Block(key: Uint8Array, counter: number, nonce: Uint8Array, out: Uint8Array): void {
  if (key.length !== 32) throw new RangeError('ChaCha20: key must be 32 bytes');
  if (nonce.length !== 12) throw new RangeError('ChaCha20: nonce must be 12 bytes');
  if (out.length !== 64) throw new RangeError('ChaCha20: output block must be 64 bytes');
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) throw new RangeError('ChaCha20: counter must be a 32-bit unsigned integer');
  const state = new Uint32Array(16);
  const kv = new DataView(key.buffer, key.byteOffset, 32);
  const nv = new DataView(nonce.buffer, nonce.byteOffset, 12);
  state[0] = SIGMA[0]; state[1] = SIGMA[1]; state[2] = SIGMA[2]; state[3] = SIGMA[3];
  for (let i = 0; i < 8; i++) state[4 + i] = kv.getUint32(4 * i, true);
  state[12] = counter;
  for (let i = 0; i < 3; i++) state[13 + i] = nv.getUint32(4 * i, true);
  blockFromState(state, out);
}

/** 20 rounds (10 column + 10 diagonal double rounds) on a copy of `state`, plus the input, serialised LE. */
function blockFromState(state: Uint32Array, out: Uint8Array): void {
  let x0 = state[0]!, x1 = state[1]!, x2 = state[2]!, x3 = state[3]!;
  let x4 = state[4]!, x5 = state[5]!, x6 = state[6]!, x7 = state[7]!;
  let x8 = state[8]!, x9 = state[9]!, x10 = state[10]!, x11 = state[11]!;
  let x12 = state[12]!, x13 = state[13]!, x14 = state[14]!, x15 = state[15]!;
  for (let r = 0; r < 10; r++) {
    // column rounds (RFC 8439 §2.2: QUARTERROUND(0,4,8,12) … (3,7,11,15))
    x0 = (x0 + x4) | 0; x12 = rotl(x12 ^ x0, 16); x8 = (x8 + x12) | 0; x4 = rotl(x4 ^ x8, 12);
    x0 = (x0 + x4) | 0; x12 = rotl(x12 ^ x0, 8); x8 = (x8 + x12) | 0; x4 = rotl(x4 ^ x8, 7);
    x1 = (x1 + x5) | 0; x13 = rotl(x13 ^ x1, 16); x9 = (x9 + x13) | 0; x5 = rotl(x5 ^ x9, 12);
    x1 = (x1 + x5) | 0; x13 = rotl(x13 ^ x1, 8); x9 = (x9 + x13) | 0; x5 = rotl(x5 ^ x9, 7);
    x2 = (x2 + x6) | 0; x14 = rotl(x14 ^ x2, 16); x10 = (x10 + x14) | 0; x6 = rotl(x6 ^ x10, 12);
    x2 = (x2 + x6) | 0; x14 = rotl(x14 ^ x2, 8); x10 = (x10 + x14) | 0; x6 = rotl(x6 ^ x10, 7);
    x3 = (x3 + x7) | 0; x15 = rotl(x15 ^ x3, 16); x11 = (x11 + x15) | 0; x7 = rotl(x7 ^ x11, 12);
    x3 = (x3 + x7) | 0; x15 = rotl(x15 ^ x3, 8); x11 = (x11 + x15) | 0; x7 = rotl(x7 ^ x11, 7);
    // diagonal rounds (0,5,10,15) (1,6,11,12) (2,7,8,13) (3,4,9,14)
    x0 = (x0 + x5) | 0; x15 = rotl(x15 ^ x0, 16); x10 = (x10 + x15) | 0; x5 = rotl(x5 ^ x10, 12);
    x0 = (x0 + x5) | 0; x15 = rotl(x15 ^ x0, 8); x10 = (x10 + x15) | 0; x5 = rotl(x5 ^ x10, 7);
    x1 = (x1 + x6) | 0; x12 = rotl(x12 ^ x1, 16); x11 = (x11 + x12) | 0; x6 = rotl(x6 ^ x11, 12);
    x1 = (x1 + x6) | 0; x12 = rotl(x12 ^ x1, 8); x11 = (x11 + x12) | 0; x6 = rotl(x6 ^ x11, 7);
    x2 = (x2 + x7) | 0; x13 = rotl(x13 ^ x2, 16); x8 = (x8 + x13) | 0; x7 = rotl(x7 ^ x8, 12);
    x2 = (x2 + x7) | 0; x13 = rotl(x13 ^ x2, 8); x8 = (x8 + x13) | 0; x7 = rotl(x7 ^ x8, 7);
    x3 = (x3 + x4) | 0; x14 = rotl(x14 ^ x3, 16); x9 = (x9 + x14) | 0; x4 = rotl(x4 ^ x9, 12);
    x3 = (x3 + x4) | 0; x14 = rotl(x14 ^ x3, 8); x9 = (x9 + x14) | 0; x4 = rotl(x4 ^ x9, 7);
  }
  const words = [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15];
  const view = new DataView(out.buffer, out.byteOffset, 64);
  for (let i = 0; i < 16; i++) view.setUint32(4 * i, (words[i]! + state[i]!) >>> 0, true);
}

/** A ChaCha20 keystream that continues across calls (counter incremented per 64-byte block). */
export class ChaCha20Stream {
  private readonly state = new Uint32Array(16);
  private readonly block = new Uint8Array(64);
  private used = 64;

  constructor(key: Uint8Array, nonce: Uint8Array, initialCounter = 0) {
    if (!(key instanceof Uint8Array) || key.length !== 32) throw new RangeError('ChaCha20Stream: key must be a 32-byte Uint8Array');
    if (!(nonce instanceof Uint8Array) || nonce.length !== 12) throw new RangeError('ChaCha20Stream: nonce must be a 12-byte Uint8Array');
    if (!Number.isInteger(initialCounter) || initialCounter < 0 || initialCounter > 0xffffffff) throw new RangeError('ChaCha20Stream: bad counter');
    const kv = new DataView(key.buffer, key.byteOffset, 32);
    const nv = new DataView(nonce.buffer, nonce.byteOffset, 12);
    this.state[0] = SIGMA[0]; this.state[1] = SIGMA[1]; this.state[2] = SIGMA[2]; this.state[3] = SIGMA[3];
    for (let i = 0; i < 8; i++) this.state[4 + i] = kv.getUint32(4 * i, true);
    this.state[12] = initialCounter;
    for (let i = 0; i < 3; i++) this.state[13 + i] = nv.getUint32(4 * i, true);
  }

  /** Fills `out` with the next keystream bytes. Throws after 2^32 blocks (256 GiB) rather than repeating. */
  fillBytes(out: Uint8Array): void {
    let offset = 0;
    while (offset < out.length) {
      if (this.used === 64) {
        blockFromState(this.state, this.block);
        if (this.state[12] === 0xffffffff) throw new RangeError('ChaCha20Stream: keystream exhausted (2^32 blocks)');
        this.state[12] = this.state[12]! + 1;
        this.used = 0;
      }
      const take = Math.min(64 - this.used, out.length - offset);
      out.set(this.block.subarray(this.used, this.used + take), offset);
      this.used += take;
      offset += take;
    }
  }
}

/** XORs `data` with the keystream for (key, nonce, counter): RFC 8439 §2.4 encryption (= decryption). */
export function chacha20Xor(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array {
  const stream = new ChaCha20Stream(key, nonce, counter);
  const ks = new Uint8Array(data.length);
  stream.fillBytes(ks);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ ks[i]!;
  return out;
}
