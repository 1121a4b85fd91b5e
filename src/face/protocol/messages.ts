/**
 * The messages that cross between the key holder and the server (docs/face-pipeline.md): an encrypted probe, an
 * encrypted template, a gallery of templates, a verdict. Each is a list of ciphertexts in the library's own format
 * (ckks/serialization, each object versioned, fingerprinted against the parameter set and CRC-checked) inside an
 * envelope that says what the message is and which model produced it:
 *
 *   magic "CFMS" | version u16 | kind u8 | flags u8 (0) | model SHA-256 (32 bytes) | metadata length u32 |
 *   metadata (UTF-8 JSON object of numbers and strings) | count u16 | count × (length u32 | ciphertext bytes) | CRC-32
 *
 * little-endian. The model hash binds a template to the weights that computed it: a server refuses to match a probe
 * against a template of another model (INCOMPATIBLE_PARAMETERS), since the distance would be meaningless. Reading
 * checks length, CRC, magic, version, kind, flags, the metadata (bounded, parsed, only numbers and strings), every
 * ciphertext (its own checks), and that nothing trails; failures are CkksErrors (CORRUPT_INPUT, or
 * INCOMPATIBLE_PARAMETERS for a valid ciphertext of another parameter set), never a wrong value. The CRC detects
 * accidents, not attacks: it is not a MAC (docs/threat-model.md).
 */
import { CkksError } from '../../ckks/errors.js';
import type { CkksContext } from '../../ckks/scheme/context.js';
import type { Ciphertext } from '../../ckks/scheme/plaintext.js';
import { ByteReader, ByteWriter } from '../../ckks/serialization/binary.js';
import { crc32 } from '../../ckks/serialization/crc32.js';
import { deserializeCiphertext, serializeCiphertext } from '../../ckks/serialization/format.js';

export const MESSAGE_VERSION = 1;
const MAGIC = [0x43, 0x46, 0x4d, 0x53]; // "CFMS"
const KINDS = ['probe', 'template', 'gallery', 'verdict'] as const;
export type FaceMessageKind = (typeof KINDS)[number];
/** Largest metadata block and ciphertext count accepted (a probe has a handful, a gallery one per 128 templates). */
export const MAX_METADATA_BYTES = 1 << 16;
export const MAX_CIPHERTEXTS = 4096;

export type MessageMetadata = Readonly<Record<string, number | string>>;

export interface FaceMessage {
  readonly kind: FaceMessageKind;
  /** SHA-256 (hex) of the model weights the message was computed with (sha256 of the weights' binary). */
  readonly model: string;
  readonly metadata: MessageMetadata;
  readonly ciphertexts: readonly Ciphertext[];
}

function checkModel(model: string): Uint8Array {
  if (typeof model !== 'string' || !/^[0-9a-f]{64}$/.test(model)) throw new RangeError('message model must be a SHA-256 in lower-case hex (64 digits)');
  return Uint8Array.from({ length: 32 }, (_, i) => parseInt(model.slice(2 * i, 2 * i + 2), 16));
}

function checkMetadata(m: unknown): MessageMetadata {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new RangeError('message metadata must be a plain object');
  for (const [k, v] of Object.entries(m)) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) throw new RangeError(`message metadata ${k}: only finite numbers and strings`);
  }
  return m as MessageMetadata;
}

/** The bytes of a message (ciphertexts unseeded unless fresh secret-key encryptions with a seed). */
export function serializeFaceMessage(message: FaceMessage): Uint8Array {
  if (!KINDS.includes(message.kind)) throw new RangeError(`message kind must be one of ${KINDS.join(', ')}`);
  const model = checkModel(message.model);
  const meta = new TextEncoder().encode(JSON.stringify(checkMetadata(message.metadata)));
  if (meta.length > MAX_METADATA_BYTES) throw new RangeError(`message metadata takes ${meta.length} bytes, at most ${MAX_METADATA_BYTES}`);
  const cts = message.ciphertexts;
  if (cts.length < 1 || cts.length > MAX_CIPHERTEXTS) throw new RangeError(`a message holds 1 … ${MAX_CIPHERTEXTS} ciphertexts, got ${cts.length}`);
  const w = new ByteWriter();
  for (const b of MAGIC) w.u8(b);
  w.u16(MESSAGE_VERSION);
  w.u8(KINDS.indexOf(message.kind) + 1);
  w.u8(0);
  w.bytes(model);
  w.u32(meta.length);
  w.bytes(meta);
  w.u16(cts.length);
  for (const ct of cts) {
    const b = serializeCiphertext(ct);
    w.u32(b.length);
    w.bytes(b);
  }
  const body = w.finish();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return out;
}

/** Reads a message of the expected kind; every ciphertext is checked against `ctx`. */
export function deserializeFaceMessage(ctx: CkksContext, bytes: Uint8Array, expected: FaceMessageKind): FaceMessage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('deserializeFaceMessage: expected a Uint8Array');
  if (!KINDS.includes(expected)) throw new RangeError(`message kind must be one of ${KINDS.join(', ')}`);
  if (bytes.length < 4 + 2 + 2 + 32 + 4 + 2 + 4) throw new CkksError('CORRUPT_INPUT', `a message of ${bytes.length} bytes is shorter than its envelope`);
  const payload = bytes.subarray(0, bytes.length - 4);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  if (crc32(payload) !== stored) throw new CkksError('CORRUPT_INPUT', 'message CRC-32 mismatch: the bytes were corrupted or truncated');
  const r = new ByteReader(payload);
  for (let i = 0; i < 4; i++) if (r.u8('magic') !== MAGIC[i]) throw new CkksError('CORRUPT_INPUT', 'bad magic: not a CryptoFace message');
  const version = r.u16('version');
  if (version !== MESSAGE_VERSION) throw new CkksError('CORRUPT_INPUT', `unsupported message version ${version} (this library reads ${MESSAGE_VERSION})`);
  const kindIndex = r.u8('kind');
  const kind = KINDS[kindIndex - 1];
  if (kind === undefined) throw new CkksError('CORRUPT_INPUT', `unknown message kind ${kindIndex}`);
  if (kind !== expected) throw new CkksError('CORRUPT_INPUT', `expected a ${expected} message, found a ${kind}`);
  if (r.u8('flags') !== 0) throw new CkksError('CORRUPT_INPUT', 'unknown message flags');
  const model = Array.from(r.bytes(32, 'model hash'), (b) => b.toString(16).padStart(2, '0')).join('');
  const metaLength = r.u32('metadata length');
  if (metaLength > MAX_METADATA_BYTES || metaLength > r.remaining) throw new CkksError('CORRUPT_INPUT', `metadata length ${metaLength} is out of bounds`);
  let metadata: MessageMetadata;
  try {
    metadata = checkMetadata(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(r.bytes(metaLength, 'metadata'))));
  } catch (e) {
    if (e instanceof CkksError) throw e;
    throw new CkksError('CORRUPT_INPUT', `message metadata: ${(e as Error).message}`);
  }
  const count = r.u16('ciphertext count');
  if (count < 1 || count > MAX_CIPHERTEXTS) throw new CkksError('CORRUPT_INPUT', `ciphertext count ${count} is outside [1, ${MAX_CIPHERTEXTS}]`);
  const ciphertexts: Ciphertext[] = [];
  for (let i = 0; i < count; i++) {
    const n = r.u32('ciphertext length');
    if (n > r.remaining) throw new CkksError('CORRUPT_INPUT', `ciphertext ${i} claims ${n} bytes, ${r.remaining} remain`);
    ciphertexts.push(deserializeCiphertext(ctx, r.bytes(n, `ciphertext ${i}`)));
  }
  if (r.remaining !== 0) throw new CkksError('CORRUPT_INPUT', `${r.remaining} unexpected bytes after the message`);
  return Object.freeze({ kind, model, metadata: Object.freeze({ ...metadata }), ciphertexts: Object.freeze(ciphertexts) });
}
