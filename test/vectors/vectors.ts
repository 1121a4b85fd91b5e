// Known-answer vectors of the serialisation format and of the parameter presets: the objects below are generated
// deterministically from fixed seeds (ChaCha20 `seededRandom`), serialised, and pinned under test/vectors/
// (manifest.json: length and SHA-256 of every blob, the fingerprint of every preset; *.bin: the small blobs in
// full). `knownAnswer.test.ts` regenerates them and compares byte for byte, and loads the committed bytes;
// `generate.ts` (`npm run vectors:generate`) rewrites the files after a DELIBERATE format change.
//
// Parameters: small INSECURE N = 2^10 (test-only), Q = 50 + 40 + 40 bits, P = 2 × 51 bits, dnum = 2. Everything is
// reproducible on any platform running V8: the error sampler uses Math.log/cos/sin, which V8 computes with its own
// fdlibm port (not the C library), and the encoder's roots of unity likewise.
import { createHash } from 'node:crypto';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { conjugationElement, galoisElementForRotation } from '../../src/ckks/ring/automorphism.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { Parameters, type ParametersLiteral } from '../../src/ckks/scheme/parameters.js';
import { PN13QP200, PN14QP400, PN15QP838D4, PN15QP880, PN16QP1503H192 } from '../../src/ckks/scheme/presets.js';
import {
  FORMAT_VERSION, serializeCiphertext, serializeGaloisKey, serializeParameters, serializePlaintext, serializePublicKey,
  serializeRelinearizationKey, serializeSecretKey,
} from '../../src/ckks/serialization/format.js';

/** The parameter set of the key, plaintext and ciphertext vectors. */
export const VECTOR_PARAMETERS: Readonly<ParametersLiteral> = Object.freeze({
  logN: 10, logQ: [50, 40, 40], logP: [51, 51], logDefaultScale: 40, insecure: true,
});

/** The presets whose fingerprint (and parameter blob) is pinned. */
export const PRESETS: Readonly<Record<string, Readonly<ParametersLiteral>>> = Object.freeze({
  PN13QP200, PN14QP400, PN15QP880, PN15QP838D4, PN16QP1503H192,
});

export const SLOTS = 512;

/** The encrypted message: slot j holds re_j + i·im_j, rationals in [−1/2, 1/2) (no Math function involved). */
export function message(): { re: Float64Array; im: Float64Array } {
  const re = Float64Array.from({ length: SLOTS }, (_, j) => ((j * 37) % 101) / 101 - 0.5);
  const im = Float64Array.from({ length: SLOTS }, (_, j) => ((j * 53 + 7) % 97) / 97 - 0.5);
  return { re, im };
}

/** 32-byte seed with `n` in its first byte (the vectors use seeds 1: keys, 2: encryption). */
function seed(n: number): Uint8Array {
  const s = new Uint8Array(32);
  s[0] = n;
  return s;
}

export interface VectorBlob {
  /** File-name stem, e.g. `ciphertext-sk-level0-seeded`. */
  readonly name: string;
  /** The serialised object type (the frame's type byte names it too). */
  readonly type: 'parameters' | 'plaintext' | 'ciphertext' | 'secret key' | 'public key' | 'relinearization key' | 'Galois key';
  readonly bytes: Uint8Array;
  /** Committed in full as `<name>.bin` (small blobs); the others only as length and SHA-256. */
  readonly full: boolean;
  /** What it is, in words (goes into the manifest). */
  readonly description: string;
}

export interface VectorSet {
  readonly formatVersion: number;
  /** `Parameters.fingerprint()` of each preset and of the vector parameters (`vector`). */
  readonly fingerprints: Readonly<Record<string, string>>;
  readonly blobs: readonly VectorBlob[];
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Generates every vector from the fixed seeds (deterministic: the same bytes on every run). */
export function generateVectors(): VectorSet {
  const blobs: VectorBlob[] = [];
  const add = (name: string, type: VectorBlob['type'], bytes: Uint8Array, full: boolean, description: string): void => {
    blobs.push({ name, type, bytes, full, description });
  };
  const fingerprints: Record<string, string> = {};
  for (const [name, literal] of Object.entries(PRESETS)) {
    const params = new Parameters(literal);
    fingerprints[name] = params.fingerprint();
    add(`parameters-${name}`, 'parameters', serializeParameters(params), true, `preset ${name}`);
  }

  const ctx = new CkksContext(VECTOR_PARAMETERS);
  fingerprints.vector = ctx.params.fingerprint();
  add('parameters-vector', 'parameters', serializeParameters(ctx.params), true, 'the vector parameters (N = 2^10, insecure)');

  const keygen = new KeyGenerator(ctx, seededRandom(seed(1)));
  const sk = keygen.secretKey();
  const pk = keygen.publicKey(sk);
  const rlk = keygen.relinearizationKey(sk);
  const rot1 = keygen.galoisKey(sk, galoisElementForRotation(1, ctx.ringDegree));
  const conj = keygen.galoisKey(sk, conjugationElement(ctx.ringDegree));
  add('secret-key', 'secret key', serializeSecretKey(sk), true, 'uniform ternary secret, key seed 1');
  add('public-key-seeded', 'public key', serializePublicKey(pk), false, 'b and the seed of a');
  add('public-key', 'public key', serializePublicKey(pk, { seeded: false }), false, 'b and a');
  add('relinearization-key-seeded', 'relinearization key', serializeRelinearizationKey(rlk), false, '2 digits, seeded');
  add('relinearization-key', 'relinearization key', serializeRelinearizationKey(rlk, { seeded: false }), false, '2 digits, unseeded');
  add('galois-key-rot1-seeded', 'Galois key', serializeGaloisKey(rot1), false, 'rotation by 1 (element 5), seeded');
  add('galois-key-rot1', 'Galois key', serializeGaloisKey(rot1, { seeded: false }), false, 'rotation by 1 (element 5), unseeded');
  add('galois-key-conjugation-seeded', 'Galois key', serializeGaloisKey(conj), false, 'conjugation (element 2N − 1), seeded');

  const encoder = new Encoder(ctx);
  const encryptor = new Encryptor(ctx, seededRandom(seed(2)));
  const m = message();
  const ptLow = encoder.encode(m, { level: 0 });
  const ptTop = encoder.encode(m);
  add('plaintext-level0', 'plaintext', serializePlaintext(ptLow), true, 'the message at level 0, scale 2^40');
  add('plaintext-top', 'plaintext', serializePlaintext(ptTop), false, 'the message at level 2, scale 2^40');
  const ctLow = encryptor.encryptSecret(ptLow, sk);
  add('ciphertext-sk-level0-seeded', 'ciphertext', serializeCiphertext(ctLow), true, 'secret-key encryption at level 0, c_1 as its seed');
  add('ciphertext-sk-level0', 'ciphertext', serializeCiphertext(ctLow, { seeded: false }), false, 'the same, c_1 written out');
  const ctPk = encryptor.encryptPublic(ptTop, pk);
  const ctSk = encryptor.encryptSecret(ptTop, sk);
  add('ciphertext-pk-top', 'ciphertext', serializeCiphertext(ctPk), false, 'public-key encryption at level 2');
  const product = new Evaluator(ctx).mulNoRelin(ctPk, ctSk);
  add('ciphertext-degree2', 'ciphertext', serializeCiphertext(product), false, 'the product of the two level-2 encryptions before relinearisation (degree 2, scale 2^80)');
  return { formatVersion: FORMAT_VERSION, fingerprints, blobs };
}

/** The manifest committed as test/vectors/manifest.json. */
export interface Manifest {
  readonly note: string;
  readonly formatVersion: number;
  readonly parameters: Readonly<ParametersLiteral>;
  readonly fingerprints: Readonly<Record<string, string>>;
  readonly blobs: readonly { name: string; type: string; bytes: number; sha256: string; file: string | null; description: string }[];
}

export function manifestOf(set: VectorSet): Manifest {
  return {
    note: 'Known-answer vectors (see test/vectors/vectors.ts). Regenerate only after a deliberate format change: npm run vectors:generate',
    formatVersion: set.formatVersion,
    parameters: VECTOR_PARAMETERS,
    fingerprints: set.fingerprints,
    blobs: set.blobs.map((b) => ({
      name: b.name, type: b.type, bytes: b.bytes.length, sha256: sha256Hex(b.bytes), file: b.full ? `${b.name}.bin` : null, description: b.description,
    })),
  };
}
