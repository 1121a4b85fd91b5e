/**
 * Checks on an evaluation-key upload as its bytes stream past (Node only), so that a key blob of 50–100 MB
 * (N = 2^16) goes to disk chunk by chunk and is still refused whole when it is wrong:
 *   - the transport checksum: CRC-32 of the body against the client's `x-crc32` header (what the upload carried);
 *   - the library's own framing (format.ts): the CRC-32 in the last four bytes over the rest, the header (magic,
 *     version, the object type the blob's name calls for, the parameter fingerprint), and for a Galois key the
 *     element stored after the header against the element in the name;
 *   - the size: over `limit` bytes the upload is refused while it streams (413).
 * The full reader (every residue below its prime, the key's level against the plan) runs when the worker reads the
 * key; a blob that passes here but fails there fails the job that reads it (CORRUPT_INPUT, MISSING_KEY).
 */
import { crc32 } from '../ckks/serialization/crc32.js';
import { OBJECT_HEADER_BYTES, ServiceError, checkObjectHeader, keyObjectType } from './envelopes.js';

/** Parses the `x-crc32` header: exactly eight hex digits. */
export function parseCrcHeader(value: string | string[] | undefined): number {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{8}$/.test(value)) throw new ServiceError(400, 'BAD_REQUEST', 'header x-crc32 must be the body\'s CRC-32 as 8 hex digits');
  return parseInt(value, 16) >>> 0;
}

export class KeyUploadCheck {
  private transport = 0;
  private inner = 0;
  /** The last four bytes seen: the stored CRC once the body ends (the inner CRC runs four bytes behind). */
  private tail = new Uint8Array(0);
  private readonly head = new Uint8Array(OBJECT_HEADER_BYTES + 4);
  private headBytes = 0;
  bytes = 0;

  constructor(
    private readonly name: string,
    private readonly expectedCrc: number,
    private readonly fingerprint: string,
    private readonly limit: number,
  ) {
    if (keyObjectType(name) === undefined) throw new ServiceError(400, 'BAD_REQUEST', `"${name}" is not an evaluation key name`);
  }

  /** Feeds one chunk; throws 413 as soon as the body passes the limit. */
  update(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) throw new ServiceError(413, 'TOO_LARGE', `key "${this.name}" exceeds the limit of ${this.limit} bytes`);
    this.transport = crc32(chunk, this.transport);
    if (this.headBytes < this.head.length) {
      const n = Math.min(this.head.length - this.headBytes, chunk.length);
      this.head.set(chunk.subarray(0, n), this.headBytes);
      this.headBytes += n;
    }
    const joined = new Uint8Array(this.tail.length + chunk.length);
    joined.set(this.tail);
    joined.set(chunk, this.tail.length);
    const cut = Math.max(0, joined.length - 4);
    this.inner = crc32(joined.subarray(0, cut), this.inner);
    this.tail = joined.slice(cut);
  }

  /** After the last chunk: every check above, or a 400 / 409 ServiceError. */
  finish(): void {
    if (this.transport !== this.expectedCrc) {
      throw new ServiceError(400, 'CORRUPT_INPUT', `key "${this.name}": CRC-32 ${this.transport.toString(16).padStart(8, '0')} of the ${this.bytes} bytes received does not match x-crc32 (damaged or truncated upload)`);
    }
    if (this.bytes < OBJECT_HEADER_BYTES + 4 + 4) throw new ServiceError(400, 'CORRUPT_INPUT', `key "${this.name}": ${this.bytes} bytes is shorter than a key`);
    const stored = new DataView(this.tail.buffer, this.tail.byteOffset, 4).getUint32(0, true);
    if (stored !== this.inner) throw new ServiceError(400, 'CORRUPT_INPUT', `key "${this.name}": the blob's own CRC-32 does not match (not a complete serialised key)`);
    const type = keyObjectType(this.name)!;
    checkObjectHeader(this.head, type, this.fingerprint, `key "${this.name}"`);
    if (this.name.startsWith('galois-')) {
      const element = new DataView(this.head.buffer).getUint32(OBJECT_HEADER_BYTES, true);
      if (`galois-${element}` !== this.name) throw new ServiceError(400, 'CORRUPT_INPUT', `blob "${this.name}" holds the Galois key of element ${element}`);
    }
  }
}
