// ChaCha20 against the published test vectors of RFC 8439 (§2.3.2 block function, §2.4.2 encryption,
// Appendix A.1 keystream vectors #1 and #2), plus stream-continuity properties.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChaCha20Stream, chacha20Block, chacha20Xor } from '../../src/ckks/ring/chacha20.js';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const KEY_0_31 = Uint8Array.from({ length: 32 }, (_, i) => i);

describe('ChaCha20 (RFC 8439 test vectors)', () => {
  it('§2.3.2 block function', () => {
    const out = new Uint8Array(64);
    chacha20Block(KEY_0_31, 1, hex('000000090000004a00000000'), out);
    expect(toHex(out)).toBe(toHex(hex(`
      10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4 c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e
      d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2 b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e`)));
  });

  it('§2.4.2 encryption of the "sunscreen" plaintext', () => {
    const plaintext = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const ciphertext = chacha20Xor(KEY_0_31, hex('000000000000004a00000000'), 1, plaintext);
    expect(toHex(ciphertext)).toBe(toHex(hex(`
      6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81 e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b
      f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57 16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8
      07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e 52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36
      5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42 87 4d`)));
    expect(chacha20Xor(KEY_0_31, hex('000000000000004a00000000'), 1, ciphertext)).toEqual(plaintext);
  });

  it('Appendix A.1 keystream vectors #1 (all-zero key, counter 0) and #2 (counter 1)', () => {
    const zeroKey = new Uint8Array(32), zeroNonce = new Uint8Array(12), out = new Uint8Array(64);
    chacha20Block(zeroKey, 0, zeroNonce, out);
    expect(toHex(out)).toBe(toHex(hex(`
      76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28 bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7
      da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37 6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86`)));
    chacha20Block(zeroKey, 1, zeroNonce, out);
    expect(toHex(out)).toBe(toHex(hex(`
      9f 07 e7 be 55 51 38 7a 98 ba 97 7c 73 2d 08 0d cb 0f 29 a0 48 e3 65 69 12 c6 53 3e 32 ee 7a ed
      29 b7 21 76 9c e6 4e 43 d5 71 33 b0 74 d8 39 d5 31 ed 1f 28 51 0a fb 45 ac e1 0a 1f 4b 79 4d 6f`)));
  });

  it('a stream read in arbitrary chunks equals one long read', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 12 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (chunks, key) => {
      const total = chunks.reduce((a, b) => a + b, 0);
      const whole = new Uint8Array(total);
      new ChaCha20Stream(key, new Uint8Array(12)).fillBytes(whole);
      const s = new ChaCha20Stream(key, new Uint8Array(12));
      const parts = new Uint8Array(total);
      let off = 0;
      for (const c of chunks) { s.fillBytes(parts.subarray(off, off + c)); off += c; }
      expect(parts).toEqual(whole);
    }), { numRuns: 100 });
  });

  it('rejects bad key/nonce/counter sizes', () => {
    expect(() => chacha20Block(new Uint8Array(31), 0, new Uint8Array(12), new Uint8Array(64))).toThrow(RangeError);
    expect(() => new ChaCha20Stream(new Uint8Array(32), new Uint8Array(8))).toThrow(RangeError);
    expect(() => chacha20Block(new Uint8Array(32), 2 ** 32, new Uint8Array(12), new Uint8Array(64))).toThrow(RangeError);
  });
});
