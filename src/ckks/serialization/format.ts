/**
 * The versioned binary format for parameters, plaintexts, ciphertexts and keys (documented byte by byte in
 * docs/serialization.md). Every object is
 *
 *   magic "CKKS" | version u16 | type u8 | flags u8 | parameter fingerprint u64 | body … | CRC-32 u32
 *
 * little-endian throughout. Reading checks, in order: length, CRC-32, magic, version, type, fingerprint
 * against the context, every body field, every residue < its prime, and that nothing trails the body. Any
 * failure is a CkksError — CORRUPT_INPUT for malformed bytes, INCOMPATIBLE_PARAMETERS for a valid object of
 * another parameter set — never a wrong value. "Seeded" objects (flag bit 0) store the 32-byte seed of their
 * uniformly random polynomial instead of the polynomial (half the size); the reader regenerates it.
 */
import { CkksError } from '../errors.js';
import { RnsPoly } from '../ring/rnsPoly.js';
import type { RnsBasis } from '../ring/rnsBasis.js';
import { CkksContext } from '../scheme/context.js';
import { Parameters, type ParametersLiteral } from '../scheme/parameters.js';
import { Ciphertext, Plaintext } from '../scheme/plaintext.js';
import { GaloisKey, PublicKey, RelinearizationKey, SecretKey, type SwitchingKey, fromMontgomeryForm, toMontgomeryForm } from '../scheme/keys.js';
import { expandUniform, expandUniformLimbs, smallToPoly } from '../scheme/keyGenerator.js';
import { levelLimbMap } from '../scheme/levelledKeys.js';
import { expandUniformSplit, jobFor } from '../parallel/schemeJobs.js';
import { EncapsulationKeys, ephemeralBasis } from '../scheme/sparseSecretEncapsulation.js';
import { ByteReader, ByteWriter } from './binary.js';
import { crc32 } from './crc32.js';

export const FORMAT_VERSION = 1;
const MAGIC = [0x43, 0x4b, 0x4b, 0x53]; // "CKKS"
const HEADER_BYTES = 4 + 2 + 1 + 1 + 8;
const FLAG_SEEDED = 1;
/** Switching keys only: the key is restricted to levels ≤ m (scheme/levelledKeys.ts); a u8 m follows the digit count. */
const FLAG_LEVELLED = 2;

export const enum ObjectType {
  Parameters = 1,
  Plaintext = 2,
  Ciphertext = 3,
  SecretKey = 4,
  PublicKey = 5,
  RelinearizationKey = 6,
  /** Type 7 held Galois keys switching σ_k(s) → s (before 2026-11-22); they are refused, see `open`. */
  GaloisKey = 8,
  /** The two keys of sparse-secret encapsulation (scheme/sparseSecretEncapsulation.ts). */
  EncapsulationKeys = 9,
}

const TYPE_NAMES: Record<number, string> = {
  1: 'parameters', 2: 'plaintext', 3: 'ciphertext', 4: 'secret key', 5: 'public key', 6: 'relinearization key', 8: 'Galois key',
  9: 'encapsulation keys',
};

function fingerprintWord(params: Parameters): bigint {
  return BigInt(`0x${params.fingerprint()}`);
}

function begin(type: ObjectType, flags: number, params: Parameters): ByteWriter {
  const w = new ByteWriter();
  for (const b of MAGIC) w.u8(b);
  w.u16(FORMAT_VERSION);
  w.u8(type);
  w.u8(flags);
  w.u64(fingerprintWord(params));
  return w;
}

function end(w: ByteWriter): Uint8Array {
  const body = w.finish();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return out;
}

interface Header {
  reader: ByteReader;
  flags: number;
  fingerprint: bigint;
}

/** Checks length, CRC, magic, version and type; returns a reader positioned after the header. */
function open(bytes: Uint8Array, expected: ObjectType): Header {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('deserialize: expected a Uint8Array');
  if (bytes.length < HEADER_BYTES + 4) throw new CkksError('CORRUPT_INPUT', `input of ${bytes.length} bytes is shorter than a header`);
  const payload = bytes.subarray(0, bytes.length - 4);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  if (crc32(payload) !== stored) throw new CkksError('CORRUPT_INPUT', 'CRC-32 mismatch: the bytes were corrupted or truncated');
  const r = new ByteReader(payload);
  for (let i = 0; i < 4; i++) if (r.u8('magic') !== MAGIC[i]) throw new CkksError('CORRUPT_INPUT', 'bad magic: not a CKKS object');
  const version = r.u16('version');
  if (version !== FORMAT_VERSION) throw new CkksError('CORRUPT_INPUT', `unsupported format version ${version} (this library reads ${FORMAT_VERSION})`);
  const type = r.u8('type');
  if (type === 7) {
    throw new CkksError('CORRUPT_INPUT', 'a Galois key of the retired type 7 (σ_k(s) → s): this library uses keys switching s → σ_k^{-1}(s) (type 8); generate the Galois keys again');
  }
  if (type !== expected) {
    throw new CkksError('CORRUPT_INPUT', `expected a ${TYPE_NAMES[expected]}, found ${TYPE_NAMES[type] ?? `unknown type ${type}`}`);
  }
  const flags = r.u8('flags');
  const known = expected === ObjectType.GaloisKey || expected === ObjectType.RelinearizationKey ? FLAG_SEEDED | FLAG_LEVELLED : FLAG_SEEDED;
  if ((flags & ~known) !== 0) throw new CkksError('CORRUPT_INPUT', `unknown flags 0x${flags.toString(16)}`);
  return { reader: r, flags, fingerprint: r.u64('fingerprint') };
}

function checkFingerprint(h: Header, ctx: CkksContext): void {
  if (h.fingerprint !== fingerprintWord(ctx.params)) {
    throw new CkksError('INCOMPATIBLE_PARAMETERS', 'the object was serialised under a different parameter set');
  }
}

function close(r: ByteReader): void {
  if (r.remaining !== 0) throw new CkksError('CORRUPT_INPUT', `${r.remaining} unexpected bytes after the object`);
}

function writePoly(w: ByteWriter, p: RnsPoly): void {
  w.words(p.data);
}

function readPoly(r: ByteReader, basis: RnsBasis, what: string): RnsPoly {
  const p = new RnsPoly(basis, 'evaluation');
  const n = basis.ringDegree;
  for (let l = 0; l < basis.size; l++) r.wordsBelow(p.data.subarray(l * n, (l + 1) * n), basis.moduli[l]!.value, `${what}, limb ${l}`);
  return p;
}

function readCount(r: ByteReader, what: string, min: number, max: number): number {
  const v = r.u8(what);
  if (v < min || v > max) throw new CkksError('CORRUPT_INPUT', `${what} ${v} is outside [${min}, ${max}]`);
  return v;
}

function readScale(r: ByteReader): number {
  const s = r.f64('scale');
  if (!Number.isFinite(s) || s <= 0) throw new CkksError('CORRUPT_INPUT', `scale ${s} is not a positive finite number`);
  return s;
}

function readSlots(r: ByteReader, ctx: CkksContext): number {
  const s = r.u32('slots');
  if (s < 1 || s > ctx.params.maxSlots || (s & (s - 1)) !== 0) throw new CkksError('CORRUPT_INPUT', `slot count ${s} is not a power of two in [1, N/2]`);
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Parameters

/** Parameters, including their primes (so the reader needs no prime generation and gets exactly the same chain). */
export function serializeParameters(params: Parameters): Uint8Array {
  const w = begin(ObjectType.Parameters, 0, params);
  w.u8(params.logN);
  w.u8(params.Q.length);
  w.u8(params.P.length);
  w.u8(params.dnum);
  w.u8(params.secret.kind === 'ternary' ? 0 : 1);
  w.u32(params.secret.kind === 'sparse-ternary' ? params.secret.hammingWeight : 0);
  w.f64(params.sigma);
  w.f64(params.logDefaultScale);
  w.u8(params.insecure ? 1 : 0);
  for (const q of [...params.Q, ...params.P]) w.u64(q);
  return end(w);
}

/** Reads and re-validates parameters (security bound included: insecure sets load only if they were marked so). */
export function deserializeParameters(bytes: Uint8Array): Parameters {
  const h = open(bytes, ObjectType.Parameters);
  const r = h.reader;
  const logN = readCount(r, 'logN', 4, 17);
  const qCount = readCount(r, 'Q prime count', 1, 255);
  const pCount = readCount(r, 'P prime count', 1, 255);
  const dnum = readCount(r, 'dnum', 1, qCount);
  const kind = readCount(r, 'secret kind', 0, 1);
  const h2 = r.u32('hamming weight');
  const sigma = r.f64('sigma');
  const logDefaultScale = r.f64('log default scale');
  const insecure = readCount(r, 'insecure flag', 0, 1) === 1;
  const primes: bigint[] = [];
  for (let i = 0; i < qCount + pCount; i++) primes.push(r.u64('prime'));
  close(r);
  const literal: ParametersLiteral = {
    logN, Q: primes.slice(0, qCount), P: primes.slice(qCount), logDefaultScale, sigma, dnum, insecure,
    secret: kind === 0 ? { kind: 'ternary' } : { kind: 'sparse-ternary', hammingWeight: h2 },
  };
  let params: Parameters;
  try {
    params = new Parameters(literal);
  } catch (e) {
    if (e instanceof CkksError && e.code === 'INSECURE_PARAMETERS') throw e;
    throw new CkksError('CORRUPT_INPUT', `invalid parameters: ${(e as Error).message}`);
  }
  if (fingerprintWord(params) !== h.fingerprint) throw new CkksError('CORRUPT_INPUT', 'parameter fingerprint does not match the parameters');
  return params;
}

// ---------------------------------------------------------------------------------------------------------
// Plaintexts and ciphertexts

export function serializePlaintext(pt: Plaintext): Uint8Array {
  pt.poly.requireForm('evaluation', 'serializePlaintext');
  const w = begin(ObjectType.Plaintext, 0, pt.context.params);
  w.u8(pt.level);
  w.u32(pt.slots);
  w.f64(pt.scale);
  writePoly(w, pt.poly);
  return end(w);
}

export function deserializePlaintext(ctx: CkksContext, bytes: Uint8Array): Plaintext {
  const h = open(bytes, ObjectType.Plaintext);
  checkFingerprint(h, ctx);
  const r = h.reader;
  const level = readCount(r, 'level', 0, ctx.maxLevel);
  const slots = readSlots(r, ctx);
  const scale = readScale(r);
  const poly = readPoly(r, ctx.levelBasis(level), 'plaintext');
  close(r);
  return new Plaintext(ctx, poly, scale, slots);
}

/**
 * Ciphertext bytes. `seeded` (default: when possible) stores c_1 as its 32-byte seed; only fresh secret-key
 * encryptions have one (RangeError if `seeded: true` is asked of a ciphertext without a seed).
 */
export function serializeCiphertext(ct: Ciphertext, options: { seeded?: boolean } = {}): Uint8Array {
  const canSeed = ct.seed !== undefined && ct.degree === 1;
  const seeded = options.seeded ?? canSeed;
  if (seeded && !canSeed) throw new RangeError('serializeCiphertext: this ciphertext has no seed (only fresh secret-key encryptions do)');
  for (const p of ct.parts) p.requireForm('evaluation', 'serializeCiphertext');
  const w = begin(ObjectType.Ciphertext, seeded ? FLAG_SEEDED : 0, ct.context.params);
  w.u8(ct.level);
  w.u8(ct.degree);
  w.u32(ct.slots);
  w.f64(ct.scale);
  writePoly(w, ct.parts[0]!);
  if (seeded) w.bytes(ct.seed!);
  else for (let i = 1; i < ct.parts.length; i++) writePoly(w, ct.parts[i]!);
  return end(w);
}

export function deserializeCiphertext(ctx: CkksContext, bytes: Uint8Array): Ciphertext {
  const h = open(bytes, ObjectType.Ciphertext);
  checkFingerprint(h, ctx);
  const r = h.reader;
  const level = readCount(r, 'level', 0, ctx.maxLevel);
  const degree = readCount(r, 'degree', 1, 2);
  const slots = readSlots(r, ctx);
  const scale = readScale(r);
  const basis = ctx.levelBasis(level);
  const seeded = (h.flags & FLAG_SEEDED) !== 0;
  if (seeded && degree !== 1) throw new CkksError('CORRUPT_INPUT', 'a seeded ciphertext must have degree 1');
  const parts = [readPoly(r, basis, 'c0')];
  let seed: Uint8Array | undefined;
  if (seeded) {
    seed = r.bytes(32, 'seed');
    parts.push(expandUniform(basis, seed, 0));
  } else {
    for (let i = 1; i <= degree; i++) parts.push(readPoly(r, basis, `c${i}`));
  }
  close(r);
  const ct = new Ciphertext(ctx, parts, scale, slots);
  ct.seed = seed;
  return ct;
}

// ---------------------------------------------------------------------------------------------------------
// Keys

/** The secret key as its N ternary coefficients (one signed byte each). Keep these bytes secret. */
export function serializeSecretKey(sk: SecretKey): Uint8Array {
  const w = begin(ObjectType.SecretKey, 0, sk.context.params);
  w.bytes(new Uint8Array(sk.coefficients.buffer, sk.coefficients.byteOffset, sk.coefficients.length));
  return end(w);
}

export function deserializeSecretKey(ctx: CkksContext, bytes: Uint8Array): SecretKey {
  const h = open(bytes, ObjectType.SecretKey);
  checkFingerprint(h, ctx);
  const raw = h.reader.bytes(ctx.ringDegree, 'secret coefficients');
  close(h.reader);
  const coefficients = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  let weight = 0;
  for (const c of coefficients) {
    if (c < -1 || c > 1) throw new CkksError('CORRUPT_INPUT', `secret coefficient ${c} is not ternary`);
    if (c !== 0) weight++;
  }
  const secret = ctx.params.secret;
  if (secret.kind === 'sparse-ternary' && weight !== secret.hammingWeight) {
    throw new CkksError('CORRUPT_INPUT', `secret key has Hamming weight ${weight}, the parameters require ${secret.hammingWeight}`);
  }
  return new SecretKey(ctx, smallToPoly(ctx.basisQP, coefficients), coefficients);
}

/** Public key; seeded by default (b and the 32-byte seed of a). */
export function serializePublicKey(pk: PublicKey, options: { seeded?: boolean } = {}): Uint8Array {
  const seeded = options.seeded ?? true;
  const w = begin(ObjectType.PublicKey, seeded ? FLAG_SEEDED : 0, pk.context.params);
  writePoly(w, pk.b);
  if (seeded) w.bytes(pk.seed);
  else {
    w.bytes(pk.seed);
    writePoly(w, pk.a);
  }
  return end(w);
}

export function deserializePublicKey(ctx: CkksContext, bytes: Uint8Array): PublicKey {
  const h = open(bytes, ObjectType.PublicKey);
  checkFingerprint(h, ctx);
  const r = h.reader;
  const b = readPoly(r, ctx.basisQP, 'public key b');
  const seed = r.bytes(32, 'seed');
  const a = (h.flags & FLAG_SEEDED) !== 0 ? expandUniform(ctx.basisQP, seed, 0) : readPoly(r, ctx.basisQP, 'public key a');
  close(r);
  return new PublicKey(ctx, b, a, seed);
}

/**
 * The level m a switching key is restricted to (its polynomials live over q_0 … q_m ∪ P), or undefined for a key
 * over the whole chain. Full keys keep the original layout (no FLAG_LEVELLED), so their bytes are unchanged.
 */
function keyLevel(key: SwitchingKey): number | undefined {
  const ctx = key.context;
  const limbs = key.b[0]!.basis.size;
  const level = limbs - ctx.params.P.length - 1;
  if (level === ctx.maxLevel) return undefined;
  if (level < 0 || !key.b[0]!.basis.equals(ctx.levelBasisQP(level))) throw new RangeError('serialize: the key is over neither Q ∪ P nor a level basis Q_m ∪ P');
  return level;
}

function serializeSwitching(type: ObjectType, key: SwitchingKey, galoisElement: number, seeded: boolean): Uint8Array {
  if (key.seed.length !== 32) {
    if (seeded) throw new RangeError('serialize: this key has no seed (it was derived from another key); serialise it with { seeded: false }');
  }
  const level = keyLevel(key);
  const w = begin(type, (seeded ? FLAG_SEEDED : 0) | (level === undefined ? 0 : FLAG_LEVELLED), key.context.params);
  w.u32(galoisElement);
  w.u8(key.digitCount);
  if (level !== undefined) w.u8(level);
  w.bytes(key.seed.length === 32 ? key.seed : new Uint8Array(32));
  // keys live in Montgomery form in memory; the format stores plain residues
  for (const b of key.b) writePoly(w, fromMontgomeryForm(b));
  if (!seeded) for (const a of key.a) writePoly(w, fromMontgomeryForm(a));
  return end(w);
}

/** Options of the switching-key readers. */
export interface SwitchingKeyReadOptions {
  /**
   * Read the key restricted to this level (≤ the stored one): only the limbs q_0 … q_m, p_0 … and the digits that
   * start at or below m are read or expanded (scheme/levelledKeys.ts explains why that is the same key at level m),
   * so a key stored once at its highest level is loaded at the size each use needs, without a full-size copy.
   * Such a key carries no seed (its `a` parts are not what the seed expands to over the smaller basis).
   * MISSING_KEY when the stored key serves only lower levels.
   */
  readonly level?: number;
}

function deserializeSwitching(ctx: CkksContext, bytes: Uint8Array, type: ObjectType, options: SwitchingKeyReadOptions = {}): { k: number; b: RnsPoly[]; a: RnsPoly[]; seed: Uint8Array } {
  const h = open(bytes, type);
  checkFingerprint(h, ctx);
  const r = h.reader;
  const k = r.u32('Galois element');
  const twoN = 2 * ctx.ringDegree;
  if (type === ObjectType.GaloisKey ? k % 2 === 0 || k <= 1 || k >= twoN : k !== 0) {
    throw new CkksError('CORRUPT_INPUT', `invalid Galois element ${k}`);
  }
  const digits = readCount(r, 'digit count', 1, 255);
  const levelled = (h.flags & FLAG_LEVELLED) !== 0;
  // a levelled key at level m has the digits that start at or below m (digitsUpToLevel)
  const level = levelled ? readCount(r, 'key level', 0, ctx.maxLevel - 1) : ctx.maxLevel;
  const expectedDigits = ctx.params.digitsAtLevel(level).length;
  if (digits !== expectedDigits) {
    throw new CkksError('CORRUPT_INPUT', `key has ${digits} digits, the parameters use ${expectedDigits}${levelled ? ` at level ${level}` : ''}`);
  }
  const target = options.level ?? level;
  if (!Number.isInteger(target) || target < 0) throw new RangeError(`deserialize: level must be a non-negative integer, got ${String(options.level)}`);
  if (target > level) throw new CkksError('MISSING_KEY', `the stored key serves levels ≤ ${level}, level ${target} was asked for`);
  const basis = ctx.levelBasisQP(level);
  const seed = r.bytes(32, 'seed');
  const seeded = (h.flags & FLAG_SEEDED) !== 0;
  if (target === level) {
    const b = Array.from({ length: digits }, (_, j) => toMontgomeryForm(readPoly(r, basis, `key digit ${j} (b)`)));
    const a = seeded
      ? expandSeeded(ctx, level, level, seed, digits)
      : Array.from({ length: digits }, (_, j) => toMontgomeryForm(readPoly(r, basis, `key digit ${j} (a)`)));
    close(r);
    return { k, b, a, seed };
  }
  // stored limbs q_0 … q_level, p_0 …; kept: q_0 … q_target, p_0 … (target limb index, or −1)
  const small = ctx.levelBasisQP(target);
  const keep = levelLimbMap(level, target);
  const kept = ctx.params.digitsAtLevel(target).length;
  const readSome = (what: string): RnsPoly => {
    const p = new RnsPoly(small, 'evaluation');
    const n = ctx.ringDegree;
    for (let l = 0; l < basis.size; l++) {
      const t = keep(l);
      if (t < 0) r.skip(8 * n, `${what}, limb ${l}`);
      else r.wordsBelow(p.limb(t), basis.moduli[l]!.value, `${what}, limb ${l}`);
    }
    return p;
  };
  const polyBytes = 8 * basis.size * ctx.ringDegree;
  const b: RnsPoly[] = [];
  for (let j = 0; j < digits; j++) {
    if (j < kept) b.push(toMontgomeryForm(readSome(`key digit ${j} (b)`)));
    else r.skip(polyBytes, `key digit ${j} (b)`);
  }
  const a: RnsPoly[] = seeded ? expandSeeded(ctx, level, target, seed, kept) : [];
  if (!seeded) for (let j = 0; j < kept; j++) a.push(toMontgomeryForm(readSome(`key digit ${j} (a)`)));
  if (!seeded) for (let j = kept; j < digits; j++) r.skip(polyBytes, `key digit ${j} (a)`);
  close(r);
  return { k, b, a, seed: new Uint8Array(0) };
}

/**
 * The uniform halves a_0 … a_{count−1} of a seeded key stored at level `stored`, restricted to `target`, in Montgomery
 * form: the ChaCha20 expansion is most of the cost of reading a key, so with a thread pool the digits (independent
 * streams) are expanded in parallel (parallel/schemeJobs.ts, bit-identical).
 */
function expandSeeded(ctx: CkksContext, stored: number, target: number, seed: Uint8Array, count: number): RnsPoly[] {
  const limbs = target + 1 + ctx.params.P.length;
  const job = count > 1 ? jobFor(ctx, 4 * count * limbs) : undefined;
  if (job !== undefined) return expandUniformSplit(job, ctx, stored, target, seed, count);
  const keep = levelLimbMap(stored, target);
  const small = ctx.levelBasisQP(target);
  const basis = ctx.levelBasisQP(stored);
  return Array.from({ length: count }, (_, j) => toMontgomeryForm(expandUniformLimbs(basis, seed, j, small, keep)));
}

/** Relinearisation key; seeded by default (b_j and one 32-byte seed for all a_j). */
export function serializeRelinearizationKey(key: RelinearizationKey, options: { seeded?: boolean } = {}): Uint8Array {
  return serializeSwitching(ObjectType.RelinearizationKey, key, 0, options.seeded ?? true);
}

export function deserializeRelinearizationKey(ctx: CkksContext, bytes: Uint8Array, options: SwitchingKeyReadOptions = {}): RelinearizationKey {
  const { b, a, seed } = deserializeSwitching(ctx, bytes, ObjectType.RelinearizationKey, options);
  return new RelinearizationKey(ctx, b, a, seed);
}

/** Galois key; seeded by default. */
export function serializeGaloisKey(key: GaloisKey, options: { seeded?: boolean } = {}): Uint8Array {
  return serializeSwitching(ObjectType.GaloisKey, key, key.galoisElement, options.seeded ?? true);
}

export function deserializeGaloisKey(ctx: CkksContext, bytes: Uint8Array, options: SwitchingKeyReadOptions = {}): GaloisKey {
  const { k, b, a, seed } = deserializeSwitching(ctx, bytes, ObjectType.GaloisKey, options);
  return new GaloisKey(ctx, k, b, a, seed);
}

// ---------------------------------------------------------------------------------------------------------
// Sparse-secret encapsulation keys

/**
 * The two encapsulation keys: u32 Hamming weight h', then b of the dense-to-sparse key (over {q_0, p_0}) and b of the
 * sparse-to-dense key (over Q ∪ P); seeded (default, when the keys carry their seeds): the two 32-byte seeds of the
 * a parts, else the two a parts.
 */
export function serializeEncapsulationKeys(keys: EncapsulationKeys, options: { seeded?: boolean } = {}): Uint8Array {
  if (!(keys instanceof EncapsulationKeys)) throw new TypeError('serializeEncapsulationKeys: expected EncapsulationKeys');
  const canSeed = keys.seeds !== undefined;
  const seeded = options.seeded ?? canSeed;
  if (seeded && !canSeed) throw new RangeError('serializeEncapsulationKeys: these keys carry no seeds');
  const w = begin(ObjectType.EncapsulationKeys, seeded ? FLAG_SEEDED : 0, keys.context.params);
  w.u32(keys.hammingWeight);
  writePoly(w, keys.denseToSparse.b);
  writePoly(w, keys.sparseToDense.b);
  if (seeded) {
    w.bytes(keys.seeds!.denseToSparse);
    w.bytes(keys.seeds!.sparseToDense);
  } else {
    writePoly(w, keys.denseToSparse.a);
    writePoly(w, keys.sparseToDense.a);
  }
  return end(w);
}

export function deserializeEncapsulationKeys(ctx: CkksContext, bytes: Uint8Array): EncapsulationKeys {
  const h = open(bytes, ObjectType.EncapsulationKeys);
  checkFingerprint(h, ctx);
  const r = h.reader;
  const weight = r.u32('Hamming weight');
  if (weight < 1 || weight > ctx.ringDegree) throw new CkksError('CORRUPT_INPUT', `ephemeral Hamming weight ${weight} is outside [1, N]`);
  const small = ephemeralBasis(ctx);
  const b1 = readPoly(r, small, 'dense-to-sparse key (b)');
  const b2 = readPoly(r, ctx.basisQP, 'sparse-to-dense key (b)');
  let a1: RnsPoly, a2: RnsPoly, seeds: { denseToSparse: Uint8Array; sparseToDense: Uint8Array } | undefined;
  if ((h.flags & FLAG_SEEDED) !== 0) {
    seeds = { denseToSparse: r.bytes(32, 'seed').slice(), sparseToDense: r.bytes(32, 'seed').slice() };
    a1 = expandUniform(small, seeds.denseToSparse, 0);
    a2 = expandUniform(ctx.basisQP, seeds.sparseToDense, 0);
  } else {
    a1 = readPoly(r, small, 'dense-to-sparse key (a)');
    a2 = readPoly(r, ctx.basisQP, 'sparse-to-dense key (a)');
  }
  close(r);
  return new EncapsulationKeys(ctx, weight, { b: b1, a: a1 }, { b: b2, a: a2 }, seeds);
}
