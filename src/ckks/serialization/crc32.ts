/**
 * CRC-32 (IEEE 802.3 polynomial 0xEDB88320, reflected; the checksum of zlib/PNG/gzip). Used as the trailer of
 * every serialised object so that accidental corruption — any burst of ≤ 32 flipped bits, and all but 2^-32
 * of other errors — is detected instead of decoded into wrong numbers. It is not a MAC: it does not protect
 * against deliberate tampering.
 *
 * Evaluated "slice-by-8" (Kounavis & Berry, "A systematic approach to building high performance software-based
 * CRC generators", ISCC 2005): eight 256-entry tables where TABLES[k][b] is the CRC register after byte b followed
 * by k zero bytes, so eight input bytes are folded into the register with eight independent table lookups instead
 * of eight dependent ones. Same result as the bytewise loop (which handles the unaligned head and the tail); a key
 * at N = 2^16 is ≈ 70 MB, so the checksum was a visible part of reading one.
 */
const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = (t[prev & 0xff]! ^ (prev >>> 8)) >>> 0;
    }
  }
  return t;
})();

/**
 * CRC-32 of `bytes` (unsigned 32-bit result). `previous`: the CRC-32 of the bytes before these, so that a stream can
 * be checked chunk by chunk: crc32(b, crc32(a)) === crc32(a ‖ b).
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  const t = TABLES;
  let c = (previous ^ 0xffffffff) >>> 0;
  let i = 0;
  const n = bytes.length;
  // bytewise until the offset is a multiple of 4 in the underlying buffer (aligned 32-bit reads below)
  while (i < n && ((bytes.byteOffset + i) & 3) !== 0) c = t[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  const words = (n - i) >>> 3;
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, 2 * words);
    const little = LITTLE_ENDIAN;
    for (let w = 0; w < 2 * words; w += 2) {
      const lo = little ? view[w]! : byteSwap(view[w]!);
      const hi = little ? view[w + 1]! : byteSwap(view[w + 1]!);
      const x = c ^ lo;
      c = t[7 * 256 + (x & 0xff)]! ^ t[6 * 256 + ((x >>> 8) & 0xff)]! ^ t[5 * 256 + ((x >>> 16) & 0xff)]! ^ t[4 * 256 + (x >>> 24)]!
        ^ t[3 * 256 + (hi & 0xff)]! ^ t[2 * 256 + ((hi >>> 8) & 0xff)]! ^ t[256 + ((hi >>> 16) & 0xff)]! ^ t[hi >>> 24]!;
    }
    i += 8 * words;
  }
  while (i < n) c = t[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Typed arrays use the platform's byte order; the CRC consumes bytes in stream order (little-endian words). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

function byteSwap(x: number): number {
  return ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}
