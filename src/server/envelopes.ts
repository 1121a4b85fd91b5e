/**
 * Checks the HTTP service makes on the request thread without a CKKS context (Node only): the outer layers of the
 * two byte formats that cross the wire — a face message (src/face/protocol/messages.ts: "CFMS" | version | kind |
 * flags | model | metadata | ciphertexts | CRC-32) and a library object (src/ckks/serialization/format.ts: "CKKS" |
 * version | type | flags | parameter fingerprint | body | CRC-32). What they catch — truncation, corruption, the wrong
 * kind or type, another model or parameter set — is refused with a status before any job is queued; what only the
 * full readers can check (every residue below its prime, the key's level) is checked in the worker when it is read.
 */
import { crc32 } from '../ckks/serialization/crc32.js';

/** A refusal with an HTTP status and a stable code (the library's codes where one applies). */
export class ServiceError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'ServiceError';
  }
}

const corrupt = (message: string) => new ServiceError(400, 'CORRUPT_INPUT', message);
const incompatible = (message: string) => new ServiceError(409, 'INCOMPATIBLE_PARAMETERS', message);

const MESSAGE_MAGIC = 'CFMS';
const OBJECT_MAGIC = 'CKKS';
const MESSAGE_KINDS = ['probe', 'template', 'gallery', 'verdict'] as const;
/** Library object types by blob name (format.ts ObjectType). */
export const KEY_OBJECT_TYPES = { public: 5, relinearization: 6, galois: 8, encapsulation: 9 } as const;
const CIPHERTEXT_TYPE = 3;
/** Library object header: magic, version u16, type u8, flags u8, fingerprint u64. */
export const OBJECT_HEADER_BYTES = 16;

/** The CRC-32 stored in the last four bytes matches the rest. */
function trailerMatches(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const stored = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  return crc32(bytes.subarray(0, bytes.length - 4)) === stored;
}

const ascii = (b: Uint8Array) => String.fromCharCode(...b);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * Checks a library object's header (the first 16 bytes): magic, version 1, the expected type, and the parameter
 * fingerprint (16 hex digits, `Parameters.fingerprint()`): 400 for a malformed header, 409 for another parameter set.
 */
export function checkObjectHeader(header: Uint8Array, type: number, fingerprint: string, what: string): void {
  if (header.length < OBJECT_HEADER_BYTES || ascii(header.subarray(0, 4)) !== OBJECT_MAGIC) throw corrupt(`${what}: not a serialised CKKS object`);
  const view = new DataView(header.buffer, header.byteOffset, header.length);
  if (view.getUint16(4, true) !== 1) throw corrupt(`${what}: unsupported format version ${view.getUint16(4, true)}`);
  if (header[6] !== type) throw corrupt(`${what}: object type ${header[6]!}, expected ${type}`);
  const found = view.getBigUint64(8, true).toString(16).padStart(16, '0');
  if (found !== fingerprint) throw incompatible(`${what}: serialised under another parameter set (fingerprint ${found}, this server runs ${fingerprint})`);
}

/**
 * The envelope of a face message of kind `kind`: CRC, magic, version, kind, flags, the model id, the metadata's bounds,
 * and every ciphertext's framing, CRC and header (type, parameter fingerprint). Returns the number of ciphertexts.
 */
export function checkFaceMessage(bytes: Uint8Array, kind: (typeof MESSAGE_KINDS)[number], model: string, fingerprint: string): number {
  if (bytes.length < 4 + 2 + 2 + 32 + 4 + 2 + 4) throw corrupt(`a ${kind} message of ${bytes.length} bytes is shorter than its envelope`);
  if (!trailerMatches(bytes)) throw corrupt('message CRC-32 mismatch: the bytes were corrupted or truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length - 4);
  if (ascii(bytes.subarray(0, 4)) !== MESSAGE_MAGIC) throw corrupt('bad magic: not a CryptoFace message');
  if (view.getUint16(4, true) !== 1) throw corrupt(`unsupported message version ${view.getUint16(4, true)}`);
  const found = MESSAGE_KINDS[bytes[6]! - 1];
  if (found !== kind) throw corrupt(`expected a ${kind} message, found ${found ?? `kind ${bytes[6]!}`}`);
  if (bytes[7] !== 0) throw corrupt('unknown message flags');
  const messageModel = hex(bytes.subarray(8, 40));
  if (messageModel !== model) throw incompatible(`the ${kind} was made for another model (${messageModel.slice(0, 12)}…, this server runs ${model.slice(0, 12)}…)`);
  let at = 40;
  const end = bytes.length - 4;
  const metaLength = view.getUint32(at, true);
  at += 4;
  if (metaLength > 1 << 16 || at + metaLength + 2 > end) throw corrupt(`metadata length ${metaLength} is out of bounds`);
  at += metaLength;
  const count = view.getUint16(at, true);
  at += 2;
  if (count < 1 || count > 4096) throw corrupt(`ciphertext count ${count} is out of bounds`);
  for (let i = 0; i < count; i++) {
    if (at + 4 > end) throw corrupt(`ciphertext ${i}: truncated`);
    const n = view.getUint32(at, true);
    at += 4;
    if (n > end - at) throw corrupt(`ciphertext ${i} claims ${n} bytes, ${end - at} remain`);
    const ct = bytes.subarray(at, at + n);
    checkObjectHeader(ct, CIPHERTEXT_TYPE, fingerprint, `ciphertext ${i}`);
    if (!trailerMatches(ct)) throw corrupt(`ciphertext ${i}: CRC-32 mismatch`);
    at += n;
  }
  if (at !== end) throw corrupt(`${end - at} unexpected bytes after the message`);
  return count;
}

/** The library object type a blob name must hold, or undefined for a name outside every plan. */
export function keyObjectType(name: string): number | undefined {
  if (name === 'public' || name === 'relinearization' || name === 'encapsulation') return KEY_OBJECT_TYPES[name];
  return /^galois-[1-9][0-9]{0,9}$/.test(name) ? KEY_OBJECT_TYPES.galois : undefined;
}
