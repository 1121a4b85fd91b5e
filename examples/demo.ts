/**
 * `npm run demo:ckks`: the CKKS library alone, in seconds (the project's main job is the face demo, `npm run demo`,
 * examples/faceDemo.ts). An end-to-end encrypted computation at secure parameters (N = 2^14, 128-bit): a client
 * encrypts two 8192-slot vectors, a
 * server that holds only public/evaluation keys computes the encrypted dot product ⟨x, y⟩ (slot-wise product,
 * then rotate-and-sum over all slots), the client decrypts. The result is checked against float64.
 * Runs on every core (a `ThreadPool` of `os.availableParallelism()` threads; `--threads T` to choose, 1 for none).
 */
import { availableParallelism } from 'node:os';
import {
  CkksContext, Decryptor, Encoder, Encryptor, Evaluator, KeyGenerator, PN14QP400, ThreadPool,
  deserializeCiphertext, serializeCiphertext,
} from '../src/ckks/index.js';

const threadsFlag = process.argv.indexOf('--threads');
const threads = threadsFlag < 0 ? availableParallelism() : Number(process.argv[threadsFlag + 1]);
const pool = await ThreadPool.create({ threads });
const t = () => performance.now();
const t0 = t();
const context = new CkksContext(PN14QP400, { pool });
const slots = context.params.maxSlots;
const keygen = new KeyGenerator(context);
const secretKey = keygen.secretKey();
const publicKey = keygen.publicKey(secretKey);
const relinearizationKey = keygen.relinearizationKey(secretKey);
const steps = Array.from({ length: Math.log2(slots) }, (_, i) => 2 ** i);
const galoisKeys = keygen.galoisKeys(secretKey, steps);
const t1 = t();
console.log(`parameters: N = 2^${context.params.logN}, log QP = ${context.params.logQP.toFixed(0)} bits (128-bit bound ${context.params.securityBound}), ${slots} slots, ${pool.threads} thread${pool.threads > 1 ? 's' : ''}`);
console.log(`keys: secret, public, relinearisation, ${galoisKeys.size} rotation keys in ${(t1 - t0).toFixed(0)} ms`);

let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const x = Float64Array.from({ length: slots }, random);
const y = Float64Array.from({ length: slots }, random);
const encoder = new Encoder(context);
const encryptor = new Encryptor(context);
const blobX = serializeCiphertext(encryptor.encryptPublic(encoder.encode(x), publicKey));
const blobY = serializeCiphertext(encryptor.encryptPublic(encoder.encode(y), publicKey));
const t2 = t();
console.log(`client: encoded and encrypted 2 × ${slots} values in ${(t2 - t1).toFixed(0)} ms (${(blobX.length / 2 ** 20).toFixed(2)} MiB per ciphertext)`);

const evaluator = new Evaluator(context, { relinearizationKey, galoisKeys });
const cx = deserializeCiphertext(context, blobX);
const cy = deserializeCiphertext(context, blobY);
const product = evaluator.rescale(evaluator.mul(cx, cy));
const dot = evaluator.innerSum(product, slots);
const blobResult = serializeCiphertext(dot);
const t3 = t();
console.log(`server: product + ${steps.length} rotations (rotate-and-sum) in ${(t3 - t2).toFixed(0)} ms, never seeing x, y or the result`);

const decryptor = new Decryptor(context, secretKey);
const got = encoder.decodeReal(decryptor.decrypt(deserializeCiphertext(context, blobResult)))[0]!;
let want = 0;
for (let i = 0; i < slots; i++) want += x[i]! * y[i]!;
const error = Math.abs(got - want);
console.log(`client: decrypted ⟨x, y⟩ = ${got.toFixed(9)}; float64: ${want.toFixed(9)}; |error| = ${error.toExponential(2)}`);
pool.dispose();
if (!(error < 1e-4)) throw new Error(`encrypted result is off by ${error}`);
console.log('OK');
