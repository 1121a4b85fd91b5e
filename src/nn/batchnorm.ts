/**
 * Batch-normalisation folding helpers (inference form, Ioffe & Szegedy 2015): BN(x) = γ·(x − μ)/√(σ² + ε) + β
 * = scale·x + shift. Used by CryptoFace for the shortcut BatchNorm2d, the per-patch BatchNorm1d and the
 * fusion BN (reference §2.3–2.4, §5.7, §5.9), which an encrypted pipeline folds into plaintext constants.
 */
import type { ConvWeight } from './conv2d.js';
import type { Tensor3 } from './tensor.js';

/** BatchNorm parameters in PyTorch's inference form (`weight`/`bias` absent = non-affine). */
export interface BatchNormParams {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  readonly weight?: Float64Array;
  readonly bias?: Float64Array;
  /** ε (PyTorch default 1e-5). */
  readonly eps?: number;
}

/** Per-channel affine map x ↦ scale·x + shift. */
export interface ChannelAffine {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

/** scale = γ/√(σ²+ε), shift = β − μ·scale. */
export function bnToAffine(bn: BatchNormParams): ChannelAffine {
  const n = bn.mean.length;
  if (bn.variance.length !== n || (bn.weight && bn.weight.length !== n) || (bn.bias && bn.bias.length !== n)) {
    throw new RangeError('bnToAffine: parameter lengths differ');
  }
  const eps = bn.eps ?? 1e-5;
  const scale = new Float64Array(n);
  const shift = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const s = (bn.weight?.[c] ?? 1) / Math.sqrt(bn.variance[c]! + eps);
    scale[c] = s;
    shift[c] = (bn.bias?.[c] ?? 0) - bn.mean[c]! * s;
  }
  return { scale, shift };
}

/** Applies a per-channel affine map to a CHW tensor (a new tensor). */
export function channelAffine3(x: Tensor3, a: ChannelAffine): Tensor3 {
  if (a.scale.length !== x.c || a.shift.length !== x.c) throw new RangeError('channelAffine3: length differs from channel count');
  const hw = x.h * x.w;
  const out = new Float64Array(x.data.length);
  for (let c = 0; c < x.c; c++) {
    const s = a.scale[c]!;
    const t = a.shift[c]!;
    for (let j = c * hw; j < (c + 1) * hw; j++) out[j] = x.data[j]! * s + t;
  }
  return { c: x.c, h: x.h, w: x.w, data: out };
}

/** Applies a per-element affine map to a vector (e.g. BatchNorm1d). */
export function vectorAffine(x: Float64Array, a: ChannelAffine): Float64Array {
  if (a.scale.length !== x.length || a.shift.length !== x.length) throw new RangeError('vectorAffine: length mismatch');
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * a.scale[i]! + a.shift[i]!;
  return out;
}

/** Multiplies a conv weight by a per-channel factor along the input-channel axis (e.g. HerPN's a2). */
export function scaleConvInputs(w: ConvWeight, factor: Float64Array): ConvWeight {
  if (factor.length !== w.inC) throw new RangeError('scaleConvInputs: factor length must equal inC');
  const kk = w.k * w.k;
  const data = new Float64Array(w.data.length);
  for (let o = 0; o < w.outC; o++) {
    for (let i = 0; i < w.inC; i++) {
      const f = factor[i]!;
      const base = (o * w.inC + i) * kk;
      for (let t = 0; t < kk; t++) data[base + t] = w.data[base + t]! * f;
    }
  }
  return { outC: w.outC, inC: w.inC, k: w.k, data };
}

/** Folds a BN that FOLLOWS a conv into it: conv'(x) = BN(conv(x)) (weights scaled per output channel + bias). */
export function foldBnIntoConv(w: ConvWeight, bn: BatchNormParams, convBias?: Float64Array): { weight: ConvWeight; bias: Float64Array } {
  const a = bnToAffine(bn);
  if (a.scale.length !== w.outC) throw new RangeError('foldBnIntoConv: BN size must equal outC');
  const per = w.inC * w.k * w.k;
  const data = new Float64Array(w.data.length);
  const bias = new Float64Array(w.outC);
  for (let o = 0; o < w.outC; o++) {
    const s = a.scale[o]!;
    for (let t = 0; t < per; t++) data[o * per + t] = w.data[o * per + t]! * s;
    bias[o] = (convBias?.[o] ?? 0) * s + a.shift[o]!;
  }
  return { weight: { outC: w.outC, inC: w.inC, k: w.k, data }, bias };
}

/**
 * Folds a BN that FOLLOWS a linear layer y = A·x + b (A row-major, rows × cols): A' = diag(scale)·A,
 * b' = scale·b + shift — the fusion-layer fold of the reference (§2.4).
 */
export function foldBnIntoLinear(A: Float64Array, rows: number, b: Float64Array, bn: BatchNormParams): { weight: Float64Array; bias: Float64Array } {
  const a = bnToAffine(bn);
  if (a.scale.length !== rows || b.length !== rows || A.length % rows !== 0) throw new RangeError('foldBnIntoLinear: shape mismatch');
  const cols = A.length / rows;
  const weight = new Float64Array(A.length);
  const bias = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const s = a.scale[r]!;
    for (let j = 0; j < cols; j++) weight[r * cols + j] = A[r * cols + j]! * s;
    bias[r] = b[r]! * s + a.shift[r]!;
  }
  return { weight, bias };
}
