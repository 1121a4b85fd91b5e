/**
 * The library's one error class for scheme-state failures. Argument errors (wrong type, out-of-range
 * number) are plain `TypeError` / `RangeError`; everything that depends on the state of the scheme
 * (forms, levels, scales, keys, parameters, corrupt bytes) is a `CkksError` with a stable `code`.
 */
export type CkksErrorCode =
  | 'FORM_MISMATCH' // a polynomial is in coefficient form where evaluation form is required, or vice versa
  | 'INCOMPATIBLE_PARAMETERS' // operands built over different moduli / ring degrees / parameter sets
  | 'LEVEL_MISMATCH'
  | 'SCALE_MISMATCH'
  | 'MISSING_KEY'
  | 'DEPTH_EXHAUSTED'
  | 'SCALE_OUT_OF_RANGE' // a rescale would leave a scale too small to hold any precision
  | 'CORRUPT_INPUT'
  | 'INSECURE_PARAMETERS';

export class CkksError extends Error {
  readonly code: CkksErrorCode;
  constructor(code: CkksErrorCode, message: string) {
    super(`[${code}] ${message}`);
    this.name = 'CkksError';
    this.code = code;
  }
}
