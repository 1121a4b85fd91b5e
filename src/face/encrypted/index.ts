/**
 * Encrypted normalisation, matching, verdict masking and noise flooding (docs/encrypted-matching.md): the server
 * side after the encrypted CryptoFaceNet, built on evaluation keys and the public key only.
 */
export {
  type FeatureLayout,
  NORMALIZE_LEVELS,
  EncryptedNormalizer,
  cfnetFeatureLayout,
  checkFeatureLayout,
} from './encryptedNormalize.js';
export {
  MATCH_LEVELS,
  type MatcherOptions,
  type VerdictCiphertext,
  type EncryptedGallery,
  type FloodingPlan,
  type FloodingInput,
  EncryptedMatcher,
  matcherKeyPlan,
  planMatcherFlooding,
  readVerdicts,
} from './encryptedMatch.js';
export { type VerdictSlots, encodeVerdictMask, exactVerdictCoefficients, randomMultipliers } from './verdictMask.js';
export { floodingSigma, sampleFlooding, floodCiphertext } from './noiseFlooding.js';
