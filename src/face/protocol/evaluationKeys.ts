/**
 * Evaluation keys as they cross from the key holder to the server: one named blob per key, in the library's format
 * (ckks/serialization: seeded, each key restricted to the highest level it is used at), generated one at a time so
 * the key holder never holds more than one key (at N = 2^16 they total gigabytes), and checked on arrival against
 * the plan both sides derive (`FaceSetup.keyPlan`).
 *
 * Names: `public` (the public key: the server encrypts zero with it for noise flooding), `relinearization`,
 * `galois-<element>` (one per Galois element of the plan), `encapsulation` (sparse-secret encapsulation for the
 * bootstrap). `ServerKeys` holds what the server computes with: it has no slot for a secret key, and a secret key is
 * not assignable to any of its fields (test/face/protocolTypes.test.ts shows it at compile time).
 */
import { CkksError } from '../../ckks/errors.js';
import type { CkksContext } from '../../ckks/scheme/context.js';
import type { RnsPoly } from '../../ckks/ring/rnsPoly.js';
import type { RandomSource } from '../../ckks/ring/randomSource.js';
import { GaloisKey, PublicKey, RelinearizationKey, SecretKey } from '../../ckks/scheme/keys.js';
import { levelledGaloisKey, levelledRelinearizationKey } from '../../ckks/scheme/levelledKeys.js';
import { EncapsulationKeys, generateEncapsulationKeys } from '../../ckks/scheme/sparseSecretEncapsulation.js';
import {
  deserializeEncapsulationKeys, deserializeGaloisKey, deserializePublicKey, deserializeRelinearizationKey,
  serializeEncapsulationKeys, serializeGaloisKey, serializePublicKey, serializeRelinearizationKey,
} from '../../ckks/serialization/format.js';
import type { FaceKeyPlan } from './faceSetup.js';

export interface EvaluationKeyBlob {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** The blob names of a plan, in generation order. */
export function evaluationKeyNames(plan: FaceKeyPlan): string[] {
  return ['public', 'relinearization', ...plan.galoisKeys.map((k) => `galois-${k.galoisElement}`), ...(plan.ephemeralHammingWeight > 0 ? ['encapsulation'] : [])];
}

/**
 * Key holder: the evaluation keys of `plan`, one serialised (seeded) blob at a time. `onKey(done, total, name)` after
 * each. A key is generated only when the consumer asks for the next blob, so streaming them to a file or a socket
 * keeps one key in memory.
 */
export function* generateEvaluationKeyBlobs(ctx: CkksContext, plan: FaceKeyPlan, sk: SecretKey, pk: PublicKey,
  options: { random?: RandomSource; onKey?: (done: number, total: number, name: string) => void } = {}): Generator<EvaluationKeyBlob> {
  if (!(sk instanceof SecretKey)) throw new TypeError('generateEvaluationKeyBlobs: expected a SecretKey');
  ctx.assertSameParameters(sk.context, 'generateEvaluationKeyBlobs');
  const names = evaluationKeyNames(plan);
  let done = 0;
  const emit = (name: string, bytes: Uint8Array): EvaluationKeyBlob => {
    options.onKey?.(++done, names.length, name);
    return { name, bytes };
  };
  yield emit('public', serializePublicKey(pk));
  yield emit('relinearization', serializeRelinearizationKey(levelledRelinearizationKey(ctx, sk, plan.relinearizationLevel, options.random)));
  for (const k of plan.galoisKeys) {
    yield emit(`galois-${k.galoisElement}`, serializeGaloisKey(levelledGaloisKey(ctx, sk, k.galoisElement, k.level, options.random)));
  }
  if (plan.ephemeralHammingWeight > 0) {
    const keys = generateEncapsulationKeys(ctx, sk, { hammingWeight: plan.ephemeralHammingWeight, ...(options.random === undefined ? {} : { random: options.random }) });
    yield emit('encapsulation', serializeEncapsulationKeys(keys));
  }
}

/** The level a switching key serves up to (its polynomials live over q_0 … q_m ∪ P). */
function keyLevel(ctx: CkksContext, key: { readonly b: readonly RnsPoly[] }): number {
  return key.b[0]!.limbCount - ctx.params.P.length - 1;
}

/** The relinearisation key from its blob, refused below the plan's level. */
function parseRelinearizationKey(ctx: CkksContext, plan: FaceKeyPlan, bytes: Uint8Array): RelinearizationKey {
  const relin = deserializeRelinearizationKey(ctx, bytes);
  const level = keyLevel(ctx, relin);
  if (level < plan.relinearizationLevel) throw new CkksError('MISSING_KEY', `the relinearisation key serves levels ≤ ${level}, the plan needs ${plan.relinearizationLevel}`);
  return relin;
}

/** The encapsulation keys from their blob, refused for another ephemeral weight. */
function parseEncapsulationKeys(ctx: CkksContext, plan: FaceKeyPlan, bytes: Uint8Array): EncapsulationKeys {
  const keys = deserializeEncapsulationKeys(ctx, bytes);
  if (keys.hammingWeight !== plan.ephemeralHammingWeight) throw new CkksError('INCOMPATIBLE_PARAMETERS', `encapsulation keys of weight ${keys.hammingWeight}, the plan uses ${plan.ephemeralHammingWeight}`);
  return keys;
}

/**
 * A Galois key from its blob, refused unless it is element `element` serving at least `level`; with `cut`, read
 * directly at `level` (only the limbs and digits that level uses are read or expanded).
 */
function parseGaloisKey(ctx: CkksContext, element: number, bytes: Uint8Array, level: number, cut = false): GaloisKey {
  let key: GaloisKey;
  try {
    key = deserializeGaloisKey(ctx, bytes, cut ? { level } : {});
  } catch (e) {
    if (e instanceof CkksError && e.code === 'MISSING_KEY') throw new CkksError('MISSING_KEY', `Galois key ${element}: ${e.message}`);
    throw e;
  }
  if (key.galoisElement !== element) throw new CkksError('CORRUPT_INPUT', `blob "galois-${element}" holds the Galois key of element ${key.galoisElement}`);
  const served = keyLevel(ctx, key);
  if (served < level) throw new CkksError('MISSING_KEY', `Galois key ${element} serves levels ≤ ${served}, ${level} is needed`);
  return key;
}

/** Name checks shared by every way of reading blobs: unknown and duplicate names as they come, missing ones at the end. */
class BlobNames {
  private readonly expected: Set<string>;
  private readonly seen = new Set<string>();
  constructor(plan: FaceKeyPlan) {
    this.expected = new Set(evaluationKeyNames(plan));
  }
  add(name: string): void {
    if (!this.expected.has(name)) throw new CkksError('CORRUPT_INPUT', `evaluation key "${name}" is not in the key plan`);
    if (this.seen.has(name)) throw new CkksError('CORRUPT_INPUT', `evaluation key "${name}" was given twice`);
    this.seen.add(name);
  }
  assertComplete(): void {
    const missing = [...this.expected].filter((n) => !this.seen.has(n));
    if (missing.length > 0) throw new CkksError('MISSING_KEY', `evaluation keys missing: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
}

/** What the server computes with: evaluation keys and the public key, no secret key. */
export class ServerKeys {
  private constructor(
    readonly publicKey: PublicKey,
    readonly relinearizationKey: RelinearizationKey,
    readonly galoisKeys: ReadonlyMap<number, GaloisKey>,
    readonly encapsulationKeys: EncapsulationKeys | undefined,
  ) {}

  /**
   * Reads the blobs of a plan (any order). Every planned key must be present exactly once, at (at least) its planned
   * level; unknown names and duplicates are refused. CORRUPT_INPUT for bad bytes or names, MISSING_KEY for an absent
   * or too-low key, INCOMPATIBLE_PARAMETERS for keys of another parameter set.
   */
  static fromBlobs(ctx: CkksContext, plan: FaceKeyPlan, blobs: Iterable<EvaluationKeyBlob>): ServerKeys {
    const names = new BlobNames(plan);
    let publicKey: PublicKey | undefined;
    let relin: RelinearizationKey | undefined;
    let encapsulation: EncapsulationKeys | undefined;
    const galois = new Map<number, GaloisKey>();
    const levels = new Map(plan.galoisKeys.map((k) => [k.galoisElement, k.level]));
    for (const { name, bytes } of blobs) {
      names.add(name);
      if (name === 'public') publicKey = deserializePublicKey(ctx, bytes);
      else if (name === 'relinearization') relin = parseRelinearizationKey(ctx, plan, bytes);
      else if (name === 'encapsulation') encapsulation = parseEncapsulationKeys(ctx, plan, bytes);
      else {
        const element = Number(name.slice('galois-'.length));
        galois.set(element, parseGaloisKey(ctx, element, bytes, levels.get(element)!));
      }
    }
    names.assertComplete();
    return new ServerKeys(publicKey!, relin!, galois, encapsulation);
  }

  /** Keys already in memory (same process; tests and benchmarks), checked like `fromBlobs` minus the bytes. */
  static fromKeys(ctx: CkksContext, plan: FaceKeyPlan, keys: {
    readonly publicKey: PublicKey; readonly relinearizationKey: RelinearizationKey;
    readonly galoisKeys: ReadonlyMap<number, GaloisKey>; readonly encapsulationKeys?: EncapsulationKeys;
  }): ServerKeys {
    if (!(keys.publicKey instanceof PublicKey) || !(keys.relinearizationKey instanceof RelinearizationKey)) throw new TypeError('ServerKeys.fromKeys: expected a PublicKey and a RelinearizationKey');
    for (const k of plan.galoisKeys) {
      if (!(keys.galoisKeys.get(k.galoisElement) instanceof GaloisKey)) throw new CkksError('MISSING_KEY', `Galois key ${k.galoisElement} is missing`);
    }
    if (plan.ephemeralHammingWeight > 0 && !(keys.encapsulationKeys instanceof EncapsulationKeys)) throw new CkksError('MISSING_KEY', 'the encapsulation keys are missing');
    ctx.assertSameParameters(keys.publicKey.context, 'ServerKeys');
    return new ServerKeys(keys.publicKey, keys.relinearizationKey, keys.galoisKeys, keys.encapsulationKeys);
  }
}

/**
 * Evaluation key blobs kept outside memory (a directory, a database): the server reads each key when a phase of the
 * computation needs it and drops it afterwards (`FaceServer.create` with a store), so at N = 2^16 it never holds the
 * ≈ 14 GB of keys at once — at the cost of parsing them again on every pass.
 */
export interface KeyBlobStore {
  names(): readonly string[];
  /**
   * The blob's bytes, valid until the next `read` on this store (an implementation may reuse one buffer: a pass at
   * N = 2^16 reads gigabytes): every reader in this library parses them at once and copies what it keeps.
   */
  read(name: string): Uint8Array;
}

/** Checks a store's names against the plan (cheap: nothing is parsed). */
export function checkKeyBlobNames(plan: FaceKeyPlan, store: KeyBlobStore): void {
  const names = new BlobNames(plan);
  for (const n of store.names()) names.add(n);
  names.assertComplete();
}

/**
 * One Galois key from a store, checked (element, level ≥ `level`) and cut down to `level`: a key over Q_M ∪ P is,
 * limb by limb, a key over Q_m ∪ P for m < M (each limb's relation holds modulo its own prime; the digits that start
 * above m are dropped), so a key stored once at its highest level serves every phase at the size that phase needs.
 */
export function readGaloisKey(ctx: CkksContext, store: KeyBlobStore, element: number, level: number): GaloisKey {
  return parseGaloisKey(ctx, element, store.read(`galois-${element}`), level, true);
}

/** The public, relinearisation and encapsulation keys from a store (the ones a phased server keeps resident). */
export function readResidentKeys(ctx: CkksContext, plan: FaceKeyPlan, store: KeyBlobStore): { publicKey: PublicKey; relinearizationKey: RelinearizationKey; encapsulationKeys: EncapsulationKeys | undefined } {
  checkKeyBlobNames(plan, store);
  const publicKey = deserializePublicKey(ctx, store.read('public'));
  const relinearizationKey = parseRelinearizationKey(ctx, plan, store.read('relinearization'));
  const encapsulationKeys = plan.ephemeralHammingWeight > 0 ? parseEncapsulationKeys(ctx, plan, store.read('encapsulation')) : undefined;
  return { publicKey, relinearizationKey, encapsulationKeys };
}
