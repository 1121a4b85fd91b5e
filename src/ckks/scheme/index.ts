/** The CKKS scheme: parameters, encoder, keys, encryption, evaluation. */
export { Parameters, type ParametersLiteral, type SecretDistribution } from './parameters.js';
export { PN13QP200, PN14QP400, PN15QP838D4, PN15QP880, PN16QP1503H192 } from './presets.js';
export { maxLogQP128 } from './security.js';
export { CkksContext, type ContextOptions } from './context.js';
export { CanonicalEmbedding } from './canonicalEmbedding.js';
export { Encoder, type ComplexVector, type EncodeOptions } from './encoder.js';
export { Ciphertext, ExtendedCiphertext, HalfExtendedCiphertext, Plaintext } from './plaintext.js';
export { GaloisKey, PublicKey, RelinearizationKey, SecretKey, SwitchingKey } from './keys.js';
export { KeyGenerator } from './keyGenerator.js';
export { Decryptor, Encryptor } from './encryptor.js';
export { Evaluator, type EvaluationKeys } from './evaluator.js';
export type { CircuitEvaluator } from './evaluatorInterface.js';
export { SCALE_RELATIVE_TOLERANCE, pinScale, scalesAgree } from './scale.js';
export { KeySwitcher, type Decomposition } from './keySwitch.js';
export type { Constant } from './arithmetic.js';
