/**
 * Peer benchmark: node-seal 6.x (Microsoft SEAL 4.1 compiled to WebAssembly), CKKS, timed in this process
 * with the same tinybench harness as our own benchmarks, so the two columns of a comparison come from one run.
 *
 * Every operation is timed at the top level of the chain, scale 2^logScale, full N/2 slots, real inputs in
 * [-1, 1]. Timed closures write into destination objects allocated once (SEAL's out-of-place overloads), so
 * they allocate as little as the node-seal API allows. Note SEAL's out-of-place `relinearize`,
 * `multiply_plain`, `rotate_vector` and `multiply` copy the input into the destination and then work in
 * place; that copy is a memcpy, small next to the operation itself.
 *
 * Self-check: `npx tsc -p tsconfig.scripts.json && node build/bench/peers/nodeSeal.js --quick [--logN=14]`
 * (logN 13 → chain [60,40,40,60]; 14 → [60,40×7,60]; 15 → [60,40×19,60]).
 *
 * node-seal's own typings do not describe `import SEAL from 'node-seal'` correctly under NodeNext (the
 * package's .d.ts is an ES module in a CommonJS package, so the default import is typed as the namespace)
 * and they expose `any` for enum values and wasm handles. The module is therefore loaded as `unknown`,
 * checked at run time and seen through the narrow facade below, which lists only what this file uses.
 */
import { pathToFileURL } from 'node:url';
import { type BenchOptions, medians, parseFlags } from '../harness.js';

// ---------------------------------------------------------------------------------------------------------
// Typed facade over the subset of node-seal used here.

interface Deletable {
  delete(): void;
}
interface Serialisable extends Deletable {
  /** Raw SEAL serialisation (header included) with the given compression mode. */
  saveArray(compression?: unknown): Uint8Array;
}
type SealVector = Deletable;
interface SealEncryptionParameters extends Deletable {
  setPolyModulusDegree(polyModulusDegree: number): void;
  setCoeffModulus(coeffModulus: SealVector): void;
}
interface SealContext extends Deletable {
  parametersSet(): boolean;
  toHuman(): string;
}
type SealPlainText = Serialisable;
interface SealCipherText extends Serialisable {
  readonly size: number;
  readonly scale: number;
  readonly coeffModulusSize: number;
}
type SealSecretKey = Serialisable;
type SealPublicKey = Serialisable;
type SealRelinKeys = Serialisable;
type SealGaloisKeys = Serialisable;
interface SealKeyGenerator extends Deletable {
  secretKey(): SealSecretKey;
  createPublicKey(): SealPublicKey;
  createRelinKeys(): SealRelinKeys;
  createGaloisKeys(steps?: Int32Array): SealGaloisKeys;
}
interface SealCkksEncoder extends Deletable {
  readonly slotCount: number;
  /** With a destination given, node-seal writes into it and returns nothing. */
  encode(values: Float64Array, scale: number, destination: SealPlainText): void;
  decode(plain: SealPlainText): Float64Array;
}
interface SealEncryptor extends Deletable {
  encrypt(plain: SealPlainText, destination: SealCipherText): void;
}
interface SealDecryptor extends Deletable {
  decrypt(cipher: SealCipherText, destination: SealPlainText): void;
}
interface SealEvaluator extends Deletable {
  add(a: SealCipherText, b: SealCipherText, destination: SealCipherText): void;
  multiply(a: SealCipherText, b: SealCipherText, destination: SealCipherText): void;
  relinearize(cipher: SealCipherText, keys: SealRelinKeys, destination: SealCipherText): void;
  rescaleToNext(cipher: SealCipherText, destination: SealCipherText): void;
  multiplyPlain(cipher: SealCipherText, plain: SealPlainText, destination: SealCipherText): void;
  rotateVector(cipher: SealCipherText, steps: number, keys: SealGaloisKeys, destination: SealCipherText): void;
}
interface SealApi {
  readonly Version: string;
  readonly SchemeType: { readonly ckks: unknown };
  readonly SecurityLevel: { readonly tc128: unknown };
  readonly ComprModeType: { readonly none: unknown };
  readonly CoeffModulus: {
    Create(polyModulusDegree: number, bitSizes: Int32Array): SealVector;
    MaxBitCount(polyModulusDegree: number, securityLevel: unknown): number;
  };
  EncryptionParameters(scheme: unknown): SealEncryptionParameters;
  Context(parameters: SealEncryptionParameters, expandModChain: boolean, securityLevel: unknown): SealContext;
  KeyGenerator(context: SealContext): SealKeyGenerator;
  CKKSEncoder(context: SealContext): SealCkksEncoder;
  Encryptor(context: SealContext, publicKey: SealPublicKey): SealEncryptor;
  Decryptor(context: SealContext, secretKey: SealSecretKey): SealDecryptor;
  Evaluator(context: SealContext): SealEvaluator;
  CipherText(): SealCipherText;
  PlainText(): SealPlainText;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

const FACTORIES = [
  'EncryptionParameters', 'Context', 'KeyGenerator', 'CKKSEncoder', 'Encryptor', 'Decryptor', 'Evaluator',
  'CipherText', 'PlainText',
] as const;
const ENUMS = [['SchemeType', 'ckks'], ['SecurityLevel', 'tc128'], ['ComprModeType', 'none']] as const;

function isSealApi(value: unknown): value is SealApi {
  if (!isRecord(value)) return false;
  for (const name of FACTORIES) if (typeof value[name] !== 'function') return false;
  for (const [name, member] of ENUMS) {
    const e = value[name];
    if (!isRecord(e) || !(member in e)) return false;
  }
  const cm = value['CoeffModulus'];
  return isRecord(cm) && typeof cm['Create'] === 'function' && typeof cm['MaxBitCount'] === 'function';
}

let sealPromise: Promise<SealApi> | undefined;

/** Loads and instantiates the wasm module once per process. */
export function loadSeal(): Promise<SealApi> {
  sealPromise ??= (async () => {
    const mod: unknown = await import('node-seal');
    // ESM import of the CommonJS (UMD) build: `default` is module.exports, the async factory.
    let factory: unknown = isRecord(mod) ? mod['default'] : undefined;
    if (isRecord(factory) && typeof factory['default'] === 'function') factory = factory['default'];
    if (typeof factory !== 'function') throw new Error('node-seal: unexpected module shape (no default factory)');
    const lib: unknown = await (factory as () => Promise<unknown>)();
    if (!isSealApi(lib)) throw new Error('node-seal: the loaded library lacks the CKKS API this benchmark uses');
    return lib;
  })();
  return sealPromise;
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark.

export interface PeerConfig {
  logN: number;
  /** SEAL's coeff modulus in bits, including the last (special) prime, e.g. [60, 40, 40, 60]. */
  chainBits: number[];
  logScale: number;
}

export interface PeerResult {
  name: 'node-seal';
  /** Median milliseconds per operation; keys are exactly PEER_OPS. */
  medians: Map<string, number>;
  sizes: { relinKeyBytes: number; galoisKeyBytesPerStep: number; ciphertextBytes: number; publicKeyBytes: number };
  /** max |decode(decrypt(encrypt(encode(x)))) - x| over all slots of a random real x in [-1, 1]. */
  maxAbsError: number;
}

export const PEER_OPS = [
  'encode', 'encrypt', 'decrypt_decode', 'add', 'multiply', 'relinearize', 'rescale', 'multiply_plain', 'rotate',
  'mul_relin_rescale', 'keygen',
] as const;

/** Deterministic uniform reals in [-1, 1] (mulberry32), so runs are comparable. */
function randomVector(length: number, seed: number): Float64Array {
  const out = new Float64Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

function maxAbsDiff(actual: Float64Array, expected: (i: number) => number, count: number): number {
  if (actual.length < count) throw new Error(`decoded ${actual.length} slots, expected ${count}`);
  let worst = 0;
  for (let i = 0; i < count; i++) {
    const d = Math.abs((actual[i] ?? Number.NaN) - expected(i));
    if (!(d <= worst)) worst = d; // NaN propagates as the worst case
  }
  return worst;
}

function validate(config: PeerConfig): void {
  const { logN, chainBits, logScale } = config;
  if (!Number.isInteger(logN) || logN < 10 || logN > 17) throw new Error(`logN ${logN} out of range [10, 17]`);
  if (chainBits.length < 3) {
    throw new Error('chainBits needs at least 3 primes (2 data primes so rescale is possible, plus the special prime)');
  }
  for (const b of chainBits) if (!Number.isInteger(b) || b < 20 || b > 60) throw new Error(`bad prime size ${b}`);
  if (!(logScale > 0 && logScale < 60)) throw new Error(`logScale ${logScale} out of range`);
}

/** node-seal set up for `config`: the timed tasks (keys are PEER_OPS), sizes, the round-trip error, and `dispose`. */
export interface PeerSetup {
  tasks: ReadonlyArray<readonly [(typeof PEER_OPS)[number], () => void]>;
  sizes: PeerResult['sizes'];
  maxAbsError: number;
  /** Frees every SEAL object (WebAssembly heap); the tasks must not run afterwards. */
  dispose(): void;
}

/** Times every operation with node-seal alone (the self-check below; bench/ckks.ts interleaves with ours). */
export async function runNodeSeal(config: PeerConfig, options: BenchOptions): Promise<PeerResult> {
  const setup = await prepareNodeSeal(config);
  try {
    const result = await medians(setup.tasks, options);
    for (const op of PEER_OPS) if (!result.has(op)) throw new Error(`missing median for ${op}`);
    return { name: 'node-seal', medians: result, sizes: setup.sizes, maxAbsError: setup.maxAbsError };
  } finally {
    setup.dispose();
  }
}

export async function prepareNodeSeal(config: PeerConfig): Promise<PeerSetup> {
  validate(config);
  const seal = await loadSeal();
  const N = 1 << config.logN;
  const slots = N / 2;
  const scale = 2 ** config.logScale;
  const none = seal.ComprModeType.none;
  const totalBits = config.chainBits.reduce((a, b) => a + b, 0);
  const maxBits = seal.CoeffModulus.MaxBitCount(N, seal.SecurityLevel.tc128);
  if (totalBits > maxBits) {
    throw new Error(`chain of ${totalBits} bits exceeds SEAL's 128-bit-security bound of ${maxBits} bits at N=2^${config.logN}`);
  }

  const owned: Deletable[] = [];
  const own = <T extends Deletable>(object: T): T => {
    owned.push(object);
    return object;
  };
  const dispose = (): void => {
    for (let i = owned.length - 1; i >= 0; i--) owned[i]?.delete();
    owned.length = 0;
  };
  try {
    const parms = own(seal.EncryptionParameters(seal.SchemeType.ckks));
    parms.setPolyModulusDegree(N);
    const coeffModulus = own(seal.CoeffModulus.Create(N, Int32Array.from(config.chainBits)));
    parms.setCoeffModulus(coeffModulus);
    const context = own(seal.Context(parms, true, seal.SecurityLevel.tc128));
    if (!context.parametersSet()) throw new Error(`node-seal rejected the parameters: ${context.toHuman()}`);

    const keygen = own(seal.KeyGenerator(context));
    const secretKey = own(keygen.secretKey());
    const publicKey = own(keygen.createPublicKey());
    const relinKeys = own(keygen.createRelinKeys());
    const galoisKeys = own(keygen.createGaloisKeys(Int32Array.from([1])));

    const encoder = own(seal.CKKSEncoder(context));
    if (encoder.slotCount !== slots) throw new Error(`slot count ${encoder.slotCount}, expected ${slots}`);
    const encryptor = own(seal.Encryptor(context, publicKey));
    const decryptor = own(seal.Decryptor(context, secretKey));
    const evaluator = own(seal.Evaluator(context));
    const newPlain = (): SealPlainText => own(seal.PlainText());
    const newCipher = (): SealCipherText => own(seal.CipherText());

    // Inputs.
    const x = randomVector(slots, 1);
    const y = randomVector(slots, 2);
    const ptX = newPlain();
    const ptY = newPlain();
    encoder.encode(x, scale, ptX);
    encoder.encode(y, scale, ptY);
    const ctX = newCipher();
    const ctY = newCipher();
    encryptor.encrypt(ptX, ctX);
    encryptor.encrypt(ptY, ctY);
    const product = newCipher(); // size 3, fresh x*y
    evaluator.multiply(ctX, ctY, product);
    const productRelin = newCipher(); // size 2, fresh relinearised x*y, scale 2^(2 logScale)
    evaluator.relinearize(product, relinKeys, productRelin);

    // Sanity checks (correctness of this run), outside the timings.
    const ptCheck = newPlain();
    decryptor.decrypt(ctX, ptCheck);
    const maxAbsError = maxAbsDiff(encoder.decode(ptCheck), (i) => x[i] ?? Number.NaN, slots);
    const mrr = newCipher();
    evaluator.rescaleToNext(productRelin, mrr);
    decryptor.decrypt(mrr, ptCheck);
    const productError = maxAbsDiff(encoder.decode(ptCheck), (i) => (x[i] ?? Number.NaN) * (y[i] ?? Number.NaN), slots);
    const rotated = newCipher();
    evaluator.rotateVector(ctX, 1, galoisKeys, rotated);
    decryptor.decrypt(rotated, ptCheck);
    const rotateError = maxAbsDiff(encoder.decode(ptCheck), (i) => x[(i + 1) % slots] ?? Number.NaN, slots);
    const tolerance = 1e-3;
    if (!(maxAbsError < tolerance && productError < tolerance && rotateError < tolerance)) {
      throw new Error(
        `node-seal sanity check failed: roundtrip ${maxAbsError}, mul+relin+rescale ${productError}, rotate ${rotateError}`,
      );
    }

    const sizes = {
      relinKeyBytes: relinKeys.saveArray(none).length,
      galoisKeyBytesPerStep: galoisKeys.saveArray(none).length, // exactly one step (1) was generated
      ciphertextBytes: ctX.saveArray(none).length,
      publicKeyBytes: publicKey.saveArray(none).length,
    };

    // Destinations written by the timed closures (one per task, so tasks do not depend on run order).
    const ptEncode = newPlain();
    const ctEncrypt = newCipher();
    const ptDecrypt = newPlain();
    const ctAdd = newCipher();
    const ctMul = newCipher();
    const ctRelin = newCipher();
    const ctRescale = newCipher();
    const ctMulPlain = newCipher();
    const ctRotate = newCipher();
    const ctChain = newCipher();
    const ctChainOut = newCipher();

    const tasks: ReadonlyArray<readonly [(typeof PEER_OPS)[number], () => void]> = [
      ['encode', () => encoder.encode(x, scale, ptEncode)],
      ['encrypt', () => encryptor.encrypt(ptX, ctEncrypt)],
      ['decrypt_decode', () => {
        decryptor.decrypt(ctX, ptDecrypt);
        encoder.decode(ptDecrypt);
      }],
      ['add', () => evaluator.add(ctX, ctY, ctAdd)],
      ['multiply', () => evaluator.multiply(ctX, ctY, ctMul)],
      ['relinearize', () => evaluator.relinearize(product, relinKeys, ctRelin)],
      ['rescale', () => evaluator.rescaleToNext(productRelin, ctRescale)],
      ['multiply_plain', () => evaluator.multiplyPlain(ctX, ptY, ctMulPlain)],
      ['rotate', () => evaluator.rotateVector(ctX, 1, galoisKeys, ctRotate)],
      ['mul_relin_rescale', () => {
        evaluator.multiply(ctX, ctY, ctChain);
        evaluator.relinearize(ctChain, relinKeys, ctChain); // in place (SEAL skips the self-copy)
        evaluator.rescaleToNext(ctChain, ctChainOut);
      }],
      ['keygen', () => {
        const kg = seal.KeyGenerator(context); // samples the secret key
        const sk = kg.secretKey();
        const pk = kg.createPublicKey();
        const rk = kg.createRelinKeys();
        rk.delete();
        pk.delete();
        sk.delete();
        kg.delete();
      }],
    ];
    return { tasks, sizes, maxAbsError, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Self-check when run directly.

function defaultChain(logN: number): number[] {
  const middle: Record<number, number> = { 13: 2, 14: 7, 15: 19 };
  const k = middle[logN];
  if (k === undefined) throw new Error(`no default chain for logN=${logN} (13, 14 or 15)`);
  return [60, ...new Array<number>(k).fill(40), 60];
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseFlags(argv);
  const logNFlag = argv.find((a) => a.startsWith('--logN='));
  const logN = logNFlag === undefined ? 13 : Number(logNFlag.slice('--logN='.length));
  const config: PeerConfig = { logN, chainBits: defaultChain(logN), logScale: 40 };
  const seal = await loadSeal();
  const started = performance.now();
  const r = await runNodeSeal(config, options);
  const wallS = (performance.now() - started) / 1000;

  console.log(`node-seal ${seal.Version}, N = 2^${logN}, chain [${config.chainBits.join(', ')}], scale 2^${config.logScale}` +
    `${options.quick ? ' (--quick)' : ''}`);
  console.log('');
  console.log('| op | median |');
  console.log('|---|---:|');
  for (const [op, ms] of r.medians) console.log(`| ${op} | ${ms < 1 ? ms.toFixed(3) : ms.toFixed(2)} ms |`);
  console.log('');
  const mb = (b: number): string => `${(b / 1e6).toFixed(3)} MB (${b} B)`;
  console.log('| size (compression none) | bytes |');
  console.log('|---|---:|');
  console.log(`| relin key | ${mb(r.sizes.relinKeyBytes)} |`);
  console.log(`| galois key per step | ${mb(r.sizes.galoisKeyBytesPerStep)} |`);
  console.log(`| fresh ciphertext | ${mb(r.sizes.ciphertextBytes)} |`);
  console.log(`| public key | ${mb(r.sizes.publicKeyBytes)} |`);
  console.log('');
  console.log(`encode/encrypt/decrypt/decode max abs error: ${r.maxAbsError.toExponential(3)}; wall ${wallS.toFixed(1)} s`);
  console.log(JSON.stringify({ peer: r.name, logN, chainBits: config.chainBits, medians: Object.fromEntries(r.medians),
    sizes: r.sizes, maxAbsError: r.maxAbsError }));
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  await main(process.argv.slice(2));
}
