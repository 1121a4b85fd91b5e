/**
 * The face layer's error class. Argument errors (wrong image size, wrong vector length) are plain
 * `RangeError`/`TypeError`; problems with a weights file are a `FaceModelError` with a stable `code`.
 */
export type FaceModelErrorCode =
  | 'CORRUPT_WEIGHTS' // unparsable manifest, truncated/over-long binary, checksum mismatch, non-finite values
  | 'MISMATCHED_WEIGHTS' // tensor names/shapes/dtypes do not match the architecture the manifest declares
  | 'UNSUPPORTED_WEIGHTS'; // unknown format name, version or variant

/** Error raised while loading or validating CryptoFaceNet weights. */
export class FaceModelError extends Error {
  readonly code: FaceModelErrorCode;
  constructor(code: FaceModelErrorCode, message: string) {
    super(`[${code}] ${message}`);
    this.name = 'FaceModelError';
    this.code = code;
  }
}
