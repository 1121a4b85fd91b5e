/**
 * The key holder (docs/face-pipeline.md, docs/threat-model.md): owns the secret key, generates the evaluation keys the
 * server needs (exactly the plan's, streamed one at a time), encrypts faces, and decrypts only verdicts.
 *
 *   const setup = FaceSetup.create(weights);                 // the same on both sides
 *   const client = FaceClient.create(setup);
 *   for (const blob of client.evaluationKeys()) upload(blob); // gigabytes at N = 2^16: one key at a time
 *   const probe = client.encryptFace(rgb);                    // 112×112 aligned RGB crop → probe message bytes
 *   … the server enrols / verifies / identifies …
 *   client.readVerdict(verdictBytes)                          // { match: true | false }
 *
 * Probes are secret-key encryptions at the network's input level, serialised seeded (c_1 as a 32-byte seed: half
 * the bytes). What the key holder decrypts is the verdict message only: the server masks every other slot and
 * floods the noise (encryptedMatch.ts).
 */
import { CkksError } from '../../ckks/errors.js';
import type { RandomSource } from '../../ckks/ring/randomSource.js';
import { Encoder } from '../../ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../ckks/scheme/encryptor.js';
import { KeyGenerator } from '../../ckks/scheme/keyGenerator.js';
import { SecretKey, type PublicKey } from '../../ckks/scheme/keys.js';
import type { Tensor3 } from '../../nn/tensor.js';
import { PATCH_SIZE } from '../architecture.js';
import { DEFAULT_NORM_BOUND, readVerdicts, templateFormat } from '../encrypted/encryptedMatch.js';
import { normalizePoly, squaredNorm } from '../normalize.js';
import { FACE_SIZE, preprocessFace, toPatches } from '../preprocess.js';
import { FaceInputError } from '../errors.js';
import { patchForward } from '../model.js';
import { generateEvaluationKeyBlobs, type EvaluationKeyBlob } from './evaluationKeys.js';
import type { FaceKeyPlan, FaceSetup } from './faceSetup.js';
import { deserializeFaceMessage, serializeFaceMessage } from './messages.js';

/** What the plaintext twin of the network says about a face before it is encrypted (`FaceClient.inspectPatches`). */
export interface InputInspection {
  /** The block the server's bootstrap runs before (undefined: the network has no refresh). */
  readonly refreshBefore: number | undefined;
  /** max |value| over all patches at the bootstrap's input (that block's input, float64); 0 without a refresh. */
  readonly refreshMaxAbs: number;
  /** B: the bootstrap is exact to its stated precision for |value| ≤ B (bootstrapRefresher.ts). */
  readonly bound: number;
  /** ‖ŷ‖, the normalised feature's length (the polynomial normalisation, as the server computes it). */
  readonly featureNorm: number;
  /** The matcher's assumed bound on ‖ŷ‖ (`MatcherOptions.normBound`): larger scores could overflow the verdict's modulus. */
  readonly normBound: number;
  /** refreshMaxAbs ≤ bound and featureNorm ≤ normBound (both finite): the encrypted pass will match the plaintext one. */
  readonly withinBound: boolean;
}

/** Options of `encryptFace` / `encryptPatches`. */
export interface EncryptFaceOptions {
  /** Encrypt a face even when its activations exceed the bootstrap's bound (its encrypted result will be wrong). */
  readonly allowOutOfRange?: boolean;
}

export class FaceClient {
  private readonly encoder: Encoder;
  private readonly encryptor: Encryptor;
  private readonly decryptor: Decryptor;

  private constructor(
    readonly setup: FaceSetup,
    private readonly secretKey: SecretKey,
    readonly publicKey: PublicKey,
    private readonly random: RandomSource | undefined,
  ) {
    this.encoder = new Encoder(setup.context);
    this.encryptor = random === undefined ? new Encryptor(setup.context) : new Encryptor(setup.context, random);
    this.decryptor = new Decryptor(setup.context, secretKey);
  }

  /**
   * A fresh secret key (crypto.getRandomValues unless `random` is given: tests only) and its public key, or the
   * key holder's existing secret key (`secretKey`, e.g. restored with deserializeSecretKey) with a fresh public key.
   */
  static create(setup: FaceSetup, options: { random?: RandomSource; secretKey?: SecretKey } = {}): FaceClient {
    const kg = options.random === undefined ? new KeyGenerator(setup.context) : new KeyGenerator(setup.context, options.random);
    const sk = options.secretKey ?? kg.secretKey();
    if (!(sk instanceof SecretKey)) throw new TypeError('FaceClient.create: secretKey must be a SecretKey');
    setup.context.assertSameParameters(sk.context, 'FaceClient.create');
    return new FaceClient(setup, sk, kg.publicKey(sk), options.random);
  }

  /** What will be generated: every key with its level, and the total bytes (in memory, and seeded on the wire). */
  keyPlan(): FaceKeyPlan {
    return this.setup.keyPlan();
  }

  /** The evaluation keys, one serialised blob at a time (generated lazily, as the consumer iterates). */
  evaluationKeys(options: { onKey?: (done: number, total: number, name: string) => void } = {}): Generator<EvaluationKeyBlob> {
    return generateEvaluationKeyBlobs(this.setup.context, this.keyPlan(), this.secretKey, this.publicKey, {
      ...(this.random === undefined ? {} : { random: this.random }), ...(options.onKey === undefined ? {} : { onKey: options.onKey }),
    });
  }

  /**
   * An aligned 112×112 RGB crop (HWC, 8 bits) → the probe message (preprocessed, cut into patches, packed, encrypted).
   * Refused with FaceInputError OUT_OF_RANGE when the face's activations exceed the bootstrap's bound (`inspectPatches`).
   */
  encryptFace(rgb: Uint8Array, options: EncryptFaceOptions = {}): Uint8Array {
    if (!(rgb instanceof Uint8Array) || rgb.length !== FACE_SIZE * FACE_SIZE * 3) {
      throw new RangeError(`encryptFace: expected a ${FACE_SIZE}×${FACE_SIZE} RGB image (${FACE_SIZE * FACE_SIZE * 3} bytes), got ${rgb instanceof Uint8Array ? rgb.length : typeof rgb}`);
    }
    const net = this.setup.crypto.net;
    const patchSize = net.inputLayout.patchSize;
    if (patchSize !== PATCH_SIZE) throw new RangeError(`encryptFace: the network takes ${patchSize}-pixel patches; use encryptPatches`);
    const grid = this.setup.weights.grid;
    return this.encryptPatches(toPatches(preprocessFace(rgb, grid * PATCH_SIZE), grid), options);
  }

  /**
   * Runs the plaintext twin of the network (float64, `patchForward`) on preprocessed patches up to the server's
   * bootstrap and compares the largest |value| there with the bound B the bootstrap was built for. The server cannot
   * see the values it refreshes: beyond B the bootstrap's sine approximation degrades and then wraps around, and the
   * encrypted score silently departs from the plaintext one (bootstrapRefresher.ts). The key holder sees its own face,
   * so this is where an out-of-range input can be caught. Costs one plaintext forward pass.
   */
  inspectPatches(patches: readonly Tensor3[]): InputInspection {
    const { net, bound } = this.setup.crypto;
    const refreshBefore = net.refreshBefore;
    const weights = this.setup.weights;
    if (patches.length !== weights.patches.length) throw new RangeError(`inspectPatches: the network takes ${weights.patches.length} patches, got ${patches.length}`);
    const point = refreshBefore === undefined ? undefined : refreshBefore === 0 ? 'stem' : `block${refreshBefore - 1}`;
    let refreshMaxAbs = 0;
    const y = new Float64Array(weights.fcBias.length);
    patches.forEach((x, i) => {
      const part = patchForward(weights.patches[i]!, weights.fcBias, x, (name, v) => {
        if (name !== point) return;
        const data = v instanceof Float64Array ? v : v.data;
        for (let k = 0; k < data.length; k++) {
          const a = Math.abs(data[k]!);
          if (!(a <= refreshMaxAbs)) refreshMaxAbs = Number.isNaN(a) ? Number.POSITIVE_INFINITY : a;
        }
      });
      for (let k = 0; k < y.length; k++) y[k] = y[k]! + part[k]!;
    });
    const featureNorm = Math.sqrt(squaredNorm(normalizePoly(y, weights.normalization)));
    const normBound = this.normBound;
    return { refreshBefore, refreshMaxAbs, bound, featureNorm, normBound, withinBound: refreshMaxAbs <= bound && featureNorm <= normBound };
  }

  /** The matcher's assumed bound on ‖ŷ‖ (`MatcherOptions.normBound`). */
  private get normBound(): number {
    return this.setup.options.matcher?.normBound ?? DEFAULT_NORM_BOUND;
  }

  /** Preprocessed patches (one 3×P×P tensor per patch, in patch order) → the probe message (checked as `encryptFace`). */
  encryptPatches(patches: readonly Tensor3[], options: EncryptFaceOptions = {}): Uint8Array {
    const net = this.setup.crypto.net;
    if (options.allowOutOfRange !== true) {
      const check = this.inspectPatches(patches);
      if (!(check.refreshMaxAbs <= check.bound)) {
        throw new FaceInputError('OUT_OF_RANGE', `this face reaches |x| = ${check.refreshMaxAbs.toPrecision(4)} at the bootstrap (block ${String(check.refreshBefore)}'s input), beyond the bound B = ${check.bound} it was built for: its encrypted result would not match the model, so it is not encrypted (allowOutOfRange overrides)`);
      }
      if (!(check.featureNorm <= check.normBound)) {
        throw new FaceInputError('OUT_OF_RANGE', `this face's normalised feature has length ${check.featureNorm.toPrecision(4)}, beyond the matcher's bound ${check.normBound}: its scores could overflow the verdict, so it is not encrypted (allowOutOfRange overrides)`);
      }
    }
    const slots = this.setup.context.params.maxSlots;
    const cts = net.packInput(patches).map((v) => this.encryptor.encryptSecret(
      this.encoder.encode(v, { level: net.inputLevel, scale: net.inputScale, slots }), this.secretKey));
    return serializeFaceMessage({ kind: 'probe', model: this.setup.model, metadata: { patches: patches.length }, ciphertexts: cts });
  }

  /**
   * A template from a normalised feature ŷ the key holder computed itself (e.g. with the plaintext model on its own
   * device): ŷ in slots 0 … D − 1, zero elsewhere, encrypted at the level and exact scale of the templates the server
   * makes (`templateFormat`). Enrolment without a server pass; the server cannot tell the two kinds apart. The feature
   * must be normalised the way the model's matcher expects (`normalizePoly` with the weights' polynomial); one longer
   * than the matcher's `normBound` is refused with FaceInputError OUT_OF_RANGE (its scores could overflow the verdict).
   */
  encryptTemplate(feature: ArrayLike<number>, options: EncryptFaceOptions = {}): Uint8Array {
    const w = this.setup.weights;
    const f = templateFormat(this.setup.context, this.setup.featureLayout, w.tau, this.setup.options.matcher ?? {});
    if (feature === null || typeof feature !== 'object' || feature.length !== f.dim) throw new RangeError(`encryptTemplate: expected a feature of ${f.dim} numbers`);
    const v = new Float64Array(f.slots);
    for (let j = 0; j < f.dim; j++) {
      const x = feature[j]!;
      if (!Number.isFinite(x)) throw new RangeError(`encryptTemplate: feature[${j}] is not a finite number`);
      v[j] = x;
    }
    const normBound = this.normBound;
    const norm = Math.sqrt(squaredNorm(v));
    if (options.allowOutOfRange !== true && !(norm <= normBound)) {
      throw new FaceInputError('OUT_OF_RANGE', `encryptTemplate: the feature has length ${norm.toPrecision(4)}, beyond the matcher's bound ${normBound}: its scores could overflow the verdict (allowOutOfRange overrides)`);
    }
    const ct = this.encryptor.encryptSecret(this.encoder.encode(v, { level: f.level, scale: f.scale, slots: f.slots }), this.secretKey);
    return serializeFaceMessage({ kind: 'template', model: this.setup.model, metadata: { level: f.level }, ciphertexts: [ct] });
  }

  /** 1:1: whether the probe matched the template (the only thing the verdict message reveals). */
  readVerdict(bytes: Uint8Array): { match: boolean } {
    const matches = this.readVerdictSlots(bytes, 'verify');
    if (matches.length !== 1) throw new CkksError('CORRUPT_INPUT', `a verification verdict holds one verdict, this one ${matches.length}`);
    return { match: matches[0]! };
  }

  /** 1:N: for each template of the gallery, in order, whether the probe matched it. */
  readIdentification(bytes: Uint8Array): { matches: boolean[] } {
    return { matches: this.readVerdictSlots(bytes, 'identify') };
  }

  private readVerdictSlots(bytes: Uint8Array, mode: 'verify' | 'identify'): boolean[] {
    const m = deserializeFaceMessage(this.setup.context, bytes, 'verdict');
    if (m.model !== this.setup.model) throw new CkksError('INCOMPATIBLE_PARAMETERS', 'the verdict was computed with another model');
    const { block, count } = m.metadata;
    if (m.metadata['mode'] !== mode) throw new CkksError('CORRUPT_INPUT', `expected a ${mode} verdict, found ${String(m.metadata['mode'])}`);
    const layout = this.setup.featureLayout;
    if (block !== layout.dim || typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > layout.slots / layout.dim || m.ciphertexts.length !== 1) {
      throw new CkksError('CORRUPT_INPUT', 'verdict metadata does not match the feature layout');
    }
    const slots = this.encoder.decodeReal(this.decryptor.decrypt(m.ciphertexts[0]!));
    return readVerdicts(slots, { slots: layout.slots, block: layout.dim, count });
  }
}
