/**
 * CRC-32 (IEEE 802.3 polynomial 0xEDB88320, reflected; the checksum of zlib/PNG/gzip). Used as the trailer of
 * every serialised object so that accidental corruption — any burst of ≤ 32 flipped bits, and all but 2^-32
 * of other errors — is detected instead of decoded into wrong numbers. It is not a MAC: it does not protect
 * against deliberate tampering.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes` (unsigned 32-bit result). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
