// ChaCha20 (src/ckks/ring/chacha20.ts) against the published test vectors of RFC 8439 ("ChaCha20 and Poly1305
// for IETF Protocols", Nir & Langley, June 2018): §2.3.2 (block function), §2.4.2 (encryption of the
// "sunscreen" text), Appendix A.1 block-function vectors #1–#5 and Appendix A.2 encryption vectors #1–#3;
// plus stream-continuity properties and argument checks.
//
// Provenance of the bytes: the RFC 8439 text (rfc8439.txt as stored in github.com/floodyberry/poly1305-donna,
// commit 87b016703b1954b30cacc429c63b96326de1809b). The hex dumps were extracted from that text by a script,
// not retyped, and cross-checked there: each A.1 / §2.3.2 keystream equals the little-endian serialisation of
// the RFC's "ChaCha state at the end" matrix, and the §2.4.2 ciphertext equals its printed keystream XOR the
// plaintext.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChaCha20Stream, chacha20Block, chacha20Xor } from '../../src/ckks/ring/chacha20.js';

/** Bytes from a hex string; whitespace is ignored. */
function hex(s: string): Uint8Array {
  const digits = s.replace(/\s+/g, '');
  if (digits.length % 2 !== 0 || /[^0-9a-f]/i.test(digits)) throw new Error(`bad hex: ${s}`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** The key 00:01:02:…:1f of §2.3.2 and §2.4.2. */
const KEY_0_TO_31 = Uint8Array.from({ length: 32 }, (_, i) => i);

const A1_BLOCK_VECTORS = [
  { vector: 1, key: `
      00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`,
    nonce: '000000000000000000000000', counter: 0, keystream: `
      76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28 bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7
      da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37 6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86` },
  { vector: 2, key: `
      00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`,
    nonce: '000000000000000000000000', counter: 1, keystream: `
      9f 07 e7 be 55 51 38 7a 98 ba 97 7c 73 2d 08 0d cb 0f 29 a0 48 e3 65 69 12 c6 53 3e 32 ee 7a ed
      29 b7 21 76 9c e6 4e 43 d5 71 33 b0 74 d8 39 d5 31 ed 1f 28 51 0a fb 45 ac e1 0a 1f 4b 79 4d 6f` },
  { vector: 3, key: `
      00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01`,
    nonce: '000000000000000000000000', counter: 1, keystream: `
      3a eb 52 24 ec f8 49 92 9b 9d 82 8d b1 ce d4 dd 83 20 25 e8 01 8b 81 60 b8 22 84 f3 c9 49 aa 5a
      8e ca 00 bb b4 a7 3b da d1 92 b5 c4 2f 73 f2 fd 4e 27 36 44 c8 b3 61 25 a6 4a dd eb 00 6c 13 a0` },
  { vector: 4, key: `
      00 ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`,
    nonce: '000000000000000000000000', counter: 2, keystream: `
      72 d5 4d fb f1 2e c4 4b 36 26 92 df 94 13 7f 32 8f ea 8d a7 39 90 26 5e c1 bb be a1 ae 9a f0 ca
      13 b2 5a a2 6c b4 a6 48 cb 9b 9d 1b e6 5b 2c 09 24 a6 6c 54 d5 45 ec 1b 73 74 f4 87 2e 99 f0 96` },
  { vector: 5, key: `
      00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`,
    nonce: '000000000000000000000002', counter: 0, keystream: `
      c2 c6 4d 37 8c d5 36 37 4a e2 04 b9 ef 93 3f cd 1a 8b 22 88 b3 df a4 96 72 ab 76 5b 54 ee 27 c7
      8a 97 0e 0e 95 5c 14 f3 a8 8e 74 1b 97 c2 86 f7 5f 8f c2 99 e8 14 83 62 fa 19 8a 39 53 1b ed 6d` },
] as const;
const A2_ENCRYPTION_VECTORS = [
  { vector: 1, key: `
      00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`,
    nonce: '000000000000000000000000', counter: 0,
    plaintext: `
      00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
      00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`,
    ciphertext: `
      76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28 bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7
      da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37 6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86` },
  { vector: 2, key: `
      00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01`,
    nonce: '000000000000000000000002', counter: 1,
    plaintext: `
      41 6e 79 20 73 75 62 6d 69 73 73 69 6f 6e 20 74 6f 20 74 68 65 20 49 45 54 46 20 69 6e 74 65 6e
      64 65 64 20 62 79 20 74 68 65 20 43 6f 6e 74 72 69 62 75 74 6f 72 20 66 6f 72 20 70 75 62 6c 69
      63 61 74 69 6f 6e 20 61 73 20 61 6c 6c 20 6f 72 20 70 61 72 74 20 6f 66 20 61 6e 20 49 45 54 46
      20 49 6e 74 65 72 6e 65 74 2d 44 72 61 66 74 20 6f 72 20 52 46 43 20 61 6e 64 20 61 6e 79 20 73
      74 61 74 65 6d 65 6e 74 20 6d 61 64 65 20 77 69 74 68 69 6e 20 74 68 65 20 63 6f 6e 74 65 78 74
      20 6f 66 20 61 6e 20 49 45 54 46 20 61 63 74 69 76 69 74 79 20 69 73 20 63 6f 6e 73 69 64 65 72
      65 64 20 61 6e 20 22 49 45 54 46 20 43 6f 6e 74 72 69 62 75 74 69 6f 6e 22 2e 20 53 75 63 68 20
      73 74 61 74 65 6d 65 6e 74 73 20 69 6e 63 6c 75 64 65 20 6f 72 61 6c 20 73 74 61 74 65 6d 65 6e
      74 73 20 69 6e 20 49 45 54 46 20 73 65 73 73 69 6f 6e 73 2c 20 61 73 20 77 65 6c 6c 20 61 73 20
      77 72 69 74 74 65 6e 20 61 6e 64 20 65 6c 65 63 74 72 6f 6e 69 63 20 63 6f 6d 6d 75 6e 69 63 61
      74 69 6f 6e 73 20 6d 61 64 65 20 61 74 20 61 6e 79 20 74 69 6d 65 20 6f 72 20 70 6c 61 63 65 2c
      20 77 68 69 63 68 20 61 72 65 20 61 64 64 72 65 73 73 65 64 20 74 6f`,
    ciphertext: `
      a3 fb f0 7d f3 fa 2f de 4f 37 6c a2 3e 82 73 70 41 60 5d 9f 4f 4f 57 bd 8c ff 2c 1d 4b 79 55 ec
      2a 97 94 8b d3 72 29 15 c8 f3 d3 37 f7 d3 70 05 0e 9e 96 d6 47 b7 c3 9f 56 e0 31 ca 5e b6 25 0d
      40 42 e0 27 85 ec ec fa 4b 4b b5 e8 ea d0 44 0e 20 b6 e8 db 09 d8 81 a7 c6 13 2f 42 0e 52 79 50
      42 bd fa 77 73 d8 a9 05 14 47 b3 29 1c e1 41 1c 68 04 65 55 2a a6 c4 05 b7 76 4d 5e 87 be a8 5a
      d0 0f 84 49 ed 8f 72 d0 d6 62 ab 05 26 91 ca 66 42 4b c8 6d 2d f8 0e a4 1f 43 ab f9 37 d3 25 9d
      c4 b2 d0 df b4 8a 6c 91 39 dd d7 f7 69 66 e9 28 e6 35 55 3b a7 6c 5c 87 9d 7b 35 d4 9e b2 e6 2b
      08 71 cd ac 63 89 39 e2 5e 8a 1e 0e f9 d5 28 0f a8 ca 32 8b 35 1c 3c 76 59 89 cb cf 3d aa 8b 6c
      cc 3a af 9f 39 79 c9 2b 37 20 fc 88 dc 95 ed 84 a1 be 05 9c 64 99 b9 fd a2 36 e7 e8 18 b0 4b 0b
      c3 9c 1e 87 6b 19 3b fe 55 69 75 3f 88 12 8c c0 8a aa 9b 63 d1 a1 6f 80 ef 25 54 d7 18 9c 41 1f
      58 69 ca 52 c5 b8 3f a3 6f f2 16 b9 c1 d3 00 62 be bc fd 2d c5 bc e0 91 19 34 fd a7 9a 86 f6 e6
      98 ce d7 59 c3 ff 9b 64 77 33 8f 3d a4 f9 cd 85 14 ea 99 82 cc af b3 41 b2 38 4d d9 02 f3 d1 ab
      7a c6 1d d2 9c 6f 21 ba 5b 86 2f 37 30 e3 7c fd c4 fd 80 6c 22 f2 21` },
  { vector: 3, key: `
      1c 92 40 a5 eb 55 d3 8a f3 33 88 86 04 f6 b5 f0 47 39 17 c1 40 2b 80 09 9d ca 5c bc 20 70 75 c0`,
    nonce: '000000000000000000000002', counter: 42,
    plaintext: `
      27 54 77 61 73 20 62 72 69 6c 6c 69 67 2c 20 61 6e 64 20 74 68 65 20 73 6c 69 74 68 79 20 74 6f
      76 65 73 0a 44 69 64 20 67 79 72 65 20 61 6e 64 20 67 69 6d 62 6c 65 20 69 6e 20 74 68 65 20 77
      61 62 65 3a 0a 41 6c 6c 20 6d 69 6d 73 79 20 77 65 72 65 20 74 68 65 20 62 6f 72 6f 67 6f 76 65
      73 2c 0a 41 6e 64 20 74 68 65 20 6d 6f 6d 65 20 72 61 74 68 73 20 6f 75 74 67 72 61 62 65 2e`,
    ciphertext: `
      62 e6 34 7f 95 ed 87 a4 5f fa e7 42 6f 27 a1 df 5f b6 91 10 04 4c 0d 73 11 8e ff a9 5b 01 e5 cf
      16 6d 3d f2 d7 21 ca f9 b2 1e 5f b1 4c 61 68 71 fd 84 c5 4f 9d 65 b2 83 19 6c 7f e4 f6 05 53 eb
      f3 9c 64 02 c4 22 34 e3 2a 35 6b 3e 76 43 12 a6 1a 55 32 05 57 16 ea d6 96 25 68 f8 7d 3f 3f 77
      04 c6 a8 d1 bc d1 bf 4d 50 d6 15 4b 6d a7 31 b1 87 b5 8d fd 72 8a fa 36 75 7a 79 7a c1 88 d1` },
] as const;
const S232_BLOCK = `
      10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4 c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e
      d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2 b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e`;
const S242_PLAINTEXT = `
      4c 61 64 69 65 73 20 61 6e 64 20 47 65 6e 74 6c 65 6d 65 6e 20 6f 66 20 74 68 65 20 63 6c 61 73
      73 20 6f 66 20 27 39 39 3a 20 49 66 20 49 20 63 6f 75 6c 64 20 6f 66 66 65 72 20 79 6f 75 20 6f
      6e 6c 79 20 6f 6e 65 20 74 69 70 20 66 6f 72 20 74 68 65 20 66 75 74 75 72 65 2c 20 73 75 6e 73
      63 72 65 65 6e 20 77 6f 75 6c 64 20 62 65 20 69 74 2e`;
const S242_CIPHERTEXT = `
      6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81 e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b
      f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57 16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8
      07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e 52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36
      5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42 87 4d`;
const S242_KEYSTREAM = `
      22 4f 51 f3 40 1b d9 e1 2f de 27 6f b8 63 1d ed 8c 13 1f 82 3d 2c 06 e2 7e 4f ca ec 9e f3 cf 78
      8a 3b 0a a3 72 60 0a 92 b5 79 74 cd ed 2b 93 34 79 4c ba 40 c6 3e 34 cd ea 21 2c 4c f0 7d 41 b7
      69 a6 74 9f 3f 63 0f 41 22 ca fe 28 ec 4d c4 7e 26 d4 34 6d 70 b9 8c 73 f3 e9 c5 3a c4 0c 59 45
      39 8b 6e da 1a 83 2c 89 c1 67 ea cd 90 1d 7e 2b f3 63`;

describe('ChaCha20 block function and cipher: RFC 8439 test vectors', () => {
  it('§2.3.2 block function (key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, counter 1)', () => {
    const out = chacha20Block(KEY_0_TO_31, 1, hex('000000090000004a00000000'));
    expect(toHex(out)).toBe(toHex(hex(S232_BLOCK)));
    // the same bytes into a caller-supplied buffer
    const buf = new Uint8Array(64);
    expect(chacha20Block(KEY_0_TO_31, 1, hex('000000090000004a00000000'), buf)).toBe(buf);
    expect(toHex(buf)).toBe(toHex(hex(S232_BLOCK)));
  });

  it('§2.4.2 encryption of "Ladies and Gentlemen of the class of \'99…" (nonce …4a…, counter 1), and its keystream', () => {
    const plaintext = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    expect(toHex(plaintext)).toBe(toHex(hex(S242_PLAINTEXT)));
    const nonce = hex('000000000000004a00000000');
    const ciphertext = chacha20Xor(KEY_0_TO_31, nonce, 1, plaintext);
    expect(toHex(ciphertext)).toBe(toHex(hex(S242_CIPHERTEXT)));
    expect(chacha20Xor(KEY_0_TO_31, nonce, 1, ciphertext)).toEqual(plaintext); // decryption = encryption
    const keystream = new Uint8Array(114);
    new ChaCha20Stream(KEY_0_TO_31, nonce, 1).fillBytes(keystream);
    expect(toHex(keystream)).toBe(toHex(hex(S242_KEYSTREAM)));
  });

  it.each(A1_BLOCK_VECTORS)('Appendix A.1 block function vector #$vector', ({ key, nonce, counter, keystream }) => {
    expect(toHex(chacha20Block(hex(key), counter, hex(nonce)))).toBe(toHex(hex(keystream)));
    // a stream started at that counter begins with the same block
    const first = new Uint8Array(64);
    new ChaCha20Stream(hex(key), hex(nonce), counter).fillBytes(first);
    expect(toHex(first)).toBe(toHex(hex(keystream)));
  });

  it.each(A2_ENCRYPTION_VECTORS)('Appendix A.2 encryption vector #$vector', ({ key, nonce, counter, plaintext, ciphertext }) => {
    const ct = chacha20Xor(hex(key), hex(nonce), counter, hex(plaintext));
    expect(toHex(ct)).toBe(toHex(hex(ciphertext)));
    expect(toHex(chacha20Xor(hex(key), hex(nonce), counter, ct))).toBe(toHex(hex(plaintext)));
  });

  it('Appendix A.2 vector #2 (375 bytes, counter 1) decrypted through a stream read in uneven chunks', () => {
    const v = A2_ENCRYPTION_VECTORS[1];
    const ct = hex(v.ciphertext);
    const stream = new ChaCha20Stream(hex(v.key), hex(v.nonce), v.counter);
    const pt = new Uint8Array(ct.length);
    for (let off = 0, step = 1; off < ct.length; off += step, step = (step * 7 + 3) % 97) {
      const chunk = pt.subarray(off, Math.min(ct.length, off + step));
      stream.fillBytes(chunk);
      for (let i = 0; i < chunk.length; i++) chunk[i] = chunk[i]! ^ ct[off + i]!;
    }
    expect(new TextDecoder().decode(pt)).toMatch(/^Any submission to the IETF intended by the Contributor/);
    expect(toHex(pt)).toBe(toHex(hex(v.plaintext)));
  });
});

describe('ChaCha20Stream properties', () => {
  it('reading in arbitrary chunk sizes gives the same bytes as one long read (fast-check, 200 runs)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1500 }), { maxLength: 12 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 1000 }),
        (chunks, key, nonce, counter) => {
          const total = chunks.reduce((a, b) => a + b, 0);
          const whole = new Uint8Array(total);
          new ChaCha20Stream(key, nonce, counter).fillBytes(whole);
          const stream = new ChaCha20Stream(key, nonce, counter);
          const parts = new Uint8Array(total);
          let off = 0;
          for (const c of chunks) {
            stream.fillBytes(parts.subarray(off, off + c));
            off += c;
          }
          expect(toHex(parts)).toBe(toHex(whole));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('block k of a stream is the block function at counter c + k (fast-check, 50 runs)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 0xffffffff - 40 }),
        (key, nonce, counter) => {
          const stream = new Uint8Array(40 * 64);
          new ChaCha20Stream(key, nonce, counter).fillBytes(stream);
          for (const k of [0, 1, 15, 16, 17, 39]) {
            expect(toHex(stream.subarray(64 * k, 64 * k + 64))).toBe(toHex(chacha20Block(key, counter + k, nonce)));
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('the stream ends after block 2^32 − 1 instead of wrapping the counter', () => {
    const key = hex('1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0');
    const nonce = new Uint8Array(12);
    const stream = new ChaCha20Stream(key, nonce, 0xffffffff - 1);
    const two = new Uint8Array(128);
    stream.fillBytes(two);
    expect(toHex(two.subarray(64))).toBe(toHex(chacha20Block(key, 0xffffffff, nonce)));
    stream.fillBytes(new Uint8Array(0));
    expect(() => stream.fillBytes(new Uint8Array(1))).toThrow(RangeError);
  });

  it('rejects keys, nonces, counters and buffers of the wrong size or type', () => {
    const key = new Uint8Array(32), nonce = new Uint8Array(12), out = new Uint8Array(64);
    expect(() => chacha20Block(new Uint8Array(31), 0, nonce, out)).toThrow(RangeError);
    expect(() => chacha20Block(key, 0, new Uint8Array(8), out)).toThrow(RangeError);
    expect(() => chacha20Block(key, 0, nonce, new Uint8Array(63))).toThrow(RangeError);
    expect(() => chacha20Block(key, 2 ** 32, nonce, out)).toThrow(RangeError);
    expect(() => chacha20Block(key, -1, nonce, out)).toThrow(RangeError);
    expect(() => chacha20Block(key, 1.5, nonce, out)).toThrow(RangeError);
    expect(() => chacha20Block(Array.from(key) as unknown as Uint8Array, 0, nonce, out)).toThrow(TypeError);
    expect(() => new ChaCha20Stream(key, new Uint8Array(8))).toThrow(RangeError);
    expect(() => new ChaCha20Stream(key, nonce, 2 ** 32)).toThrow(RangeError);
    expect(() => chacha20Xor(key, nonce, 0, 'abc' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
