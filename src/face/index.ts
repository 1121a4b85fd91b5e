/**
 * CryptoFaceNet in plaintext (Ao & Boddeti, "CryptoFace", CVPR 2025): weights loading/validation,
 * preprocessing and patching, the float64 forward pass, polynomial normalisation and the verdict; face crops
 * as PNG files (io/).
 */
export { FaceModelError, type FaceModelErrorCode, FaceInputError, type FaceInputErrorCode } from './errors.js';
export { sha256Hex } from './sha256.js';
export { type CfnetVariant, VARIANTS, PATCH_SIZE, EMBEDDING_DIM, BLOCKS, isVariant, expectedTensors } from './architecture.js';
export {
  WEIGHTS_FORMAT,
  WEIGHTS_VERSION,
  type NormPolynomial,
  type BlockWeights,
  type PatchWeights,
  type CfnetWeights,
  loadWeights,
} from './weights.js';
export {
  FACE_SIZE,
  type ResizeTaps,
  resizeTaps,
  resizeBilinearAntialias,
  normalizeRgb,
  preprocessFace,
  toPatches,
  flattenPatches,
} from './preprocess.js';
export { type ActivationBounds, BoundsMeter, HERPN_POINTS, BOOTSTRAP_POINT, parseBounds, mergeBounds } from './bounds.js';
export { type LayerTrace, blockForward, patchForward, embedInput, embedFace } from './model.js';
export {
  squaredNorm,
  evalNormPolynomial,
  fitNormPolynomial,
  normalizePoly,
  normalizeExact,
  squaredDistance,
  verdict,
} from './normalize.js';
export { type RgbImage, type PngDecodeOptions, type PngEncodeOptions, decodePng, encodePng, crc32 } from './io/png.js';
export { decodeFaceCrop, encodeFaceCrop } from './io/faceCrop.js';
