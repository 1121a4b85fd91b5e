/**
 * The face layer's error classes. Argument errors (a pixel array of the wrong length, wrong vector length)
 * are plain `RangeError`/`TypeError`; problems with a weights file are a `FaceModelError`, and problems with
 * an input image file (`io/png.ts`, `io/faceCrop.ts`) a `FaceInputError`, each with a stable `code`.
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

export type FaceInputErrorCode =
  | 'CORRUPT_IMAGE' // truncated or damaged file: bad chunk structure, CRC mismatch, bad zlib data, wrong data length
  | 'UNSUPPORTED_IMAGE' // not a PNG at all, or a PNG variant the decoder refuses (interlaced, 16-bit, …) or too large
  | 'WRONG_IMAGE_SIZE' // a valid image whose width × height is not the one required (a face crop is 112 × 112)
  | 'OUT_OF_RANGE'; // a face whose activations at the bootstrap exceed the bound it was built for (FaceClient.inspectPatches)

/**
 * Error raised for a bad input image (a face crop the caller hands in). `file` is the name the caller gave
 * (a path, a URL, an upload's name) and is repeated at the start of the message, so that a command-line
 * tool can print the message as it is.
 */
export class FaceInputError extends Error {
  readonly code: FaceInputErrorCode;
  readonly file: string | undefined;
  constructor(code: FaceInputErrorCode, message: string, file?: string) {
    super(`[${code}] ${file === undefined ? '' : `${file}: `}${message}`);
    this.name = 'FaceInputError';
    this.code = code;
    this.file = file;
  }
}
