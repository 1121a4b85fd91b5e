/**
 * Plain float64 feature maps in CHW order (channel-major, then row, then column), the layout PyTorch uses
 * for one image and the layout the CryptoFace reference flattens patches in (index = H·W·c + W·y + x).
 * These are the plaintext twins of the encrypted tensors the CKKS layers will carry.
 */

/** A C×H×W tensor stored channel-major in one Float64Array (`data[(c·h + y)·w + x]`). */
export interface Tensor3 {
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly data: Float64Array;
}

/** A zero-filled C×H×W tensor. */
export function zeros3(c: number, h: number, w: number): Tensor3 {
  checkDims(c, h, w);
  return { c, h, w, data: new Float64Array(c * h * w) };
}

/** Wraps existing CHW data (not copied); throws a RangeError when the length does not match. */
export function tensor3(c: number, h: number, w: number, data: Float64Array): Tensor3 {
  checkDims(c, h, w);
  if (data.length !== c * h * w) throw new RangeError(`tensor3: expected ${c * h * w} values for ${c}x${h}x${w}, got ${data.length}`);
  return { c, h, w, data };
}

/** Element-wise sum of two tensors of equal shape (a new tensor). */
export function add3(a: Tensor3, b: Tensor3): Tensor3 {
  sameShape(a, b, 'add3');
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! + b.data[i]!;
  return { c: a.c, h: a.h, w: a.w, data: out };
}

/** Throws a RangeError unless `a` and `b` have the same C, H and W. */
export function sameShape(a: Tensor3, b: Tensor3, what: string): void {
  if (a.c !== b.c || a.h !== b.h || a.w !== b.w) {
    throw new RangeError(`${what}: shape ${a.c}x${a.h}x${a.w} vs ${b.c}x${b.h}x${b.w}`);
  }
}

function checkDims(c: number, h: number, w: number): void {
  for (const v of [c, h, w]) if (!Number.isInteger(v) || v <= 0) throw new RangeError(`tensor dimensions must be positive integers, got ${c}x${h}x${w}`);
}
