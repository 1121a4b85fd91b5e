// CKKS in 10 minutes: encrypt two vectors, compute x·y + 0.5·x and a rotation, decrypt. Secure parameters
// (N = 2^13, 128-bit). The code below is copied verbatim into docs/ckks-in-10-minutes.md (a test checks it).
import {
  CkksContext, Decryptor, Encoder, Encryptor, Evaluator, KeyGenerator, PN13QP200,
  deserializeCiphertext, serializeCiphertext,
} from '../src/ckks/index.js';

export function walkthrough(): { result: Float64Array; rotated: Float64Array; bytes: number } {
  // 1. One context per parameter set: primes, NTT tables, encoder tables.
  const context = new CkksContext(PN13QP200); // N = 2^13, Q = 59+40+40 bits, P = 61 bits, scale 2^40

  // 2. Keys: the client keeps the secret key; the server gets the public and evaluation keys.
  const keygen = new KeyGenerator(context);
  const secretKey = keygen.secretKey();
  const publicKey = keygen.publicKey(secretKey);
  const relinearizationKey = keygen.relinearizationKey(secretKey);
  const galoisKeys = keygen.galoisKeys(secretKey, [1]); // rotation by one slot

  // 3. Encode real vectors into the 4096 slots and encrypt (level 2 = top, scale 2^40).
  const encoder = new Encoder(context);
  const encryptor = new Encryptor(context);
  const x = encryptor.encryptPublic(encoder.encode([1, 2, 3, 4]), publicKey);
  const y = encryptor.encryptPublic(encoder.encode([0.5, 0.25, -1, 2]), publicKey);

  // 4. Ciphertexts travel as bytes (versioned, checked on load).
  const bytes = serializeCiphertext(x);
  const xOnServer = deserializeCiphertext(context, bytes);

  // 5. Compute on ciphertexts. Products double the scale; rescale divides by the last prime (one level).
  const evaluator = new Evaluator(context, { relinearizationKey, galoisKeys });
  const xy = evaluator.rescale(evaluator.mul(xOnServer, y)); // level 1, scale ≈ 2^40
  const halfX = evaluator.rescale(evaluator.mulConstant(xOnServer, 0.5)); // level 1, scale exactly 2^40
  // xy's scale is 2^80/q_2 ≠ 2^40: adding would be a SCALE_MISMATCH error, so set it explicitly (one level).
  const sum = evaluator.add(evaluator.setScale(xy, 2 ** 40), evaluator.setScale(halfX, 2 ** 40)); // level 0
  const rotated = evaluator.rotate(x, 1); // slot i ← slot i+1

  // 6. Only the secret-key holder decrypts.
  const decryptor = new Decryptor(context, secretKey);
  return {
    result: encoder.decodeReal(decryptor.decrypt(sum)).slice(0, 4), // ≈ [1, 1.5, −4.5, 10]
    rotated: encoder.decodeReal(decryptor.decrypt(rotated)).slice(0, 4), // ≈ [2, 3, 4, 0]
    bytes: bytes.length,
  };
}
