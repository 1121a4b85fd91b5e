/**
 * HerPN activation of CryptoFace (Ao & Boddeti, CVPR 2025; reference §2.3): a per-channel quadratic that
 * replaces BN + ReLU. Training form γ·[bn0(1)/√(2π) + bn1(x)/2 + bn2((x²−1)/√2)/√(4π)] + β folds to
 * a2·x² + a1·x + a0; inference uses the monic form x² + a1'·x + a0' with a2 moved into the next layer.
 */
import type { Tensor3 } from './tensor.js';

/** Per-channel quadratic coefficients in float64. */
export interface HerpnCoefficients {
  readonly a2: Float64Array;
  readonly a1: Float64Array;
  readonly a0: Float64Array;
}

/** Running statistics of HerPN's three non-affine BatchNorms plus its affine γ, β (training form). */
export interface HerpnTrainingParams {
  readonly gamma: Float64Array;
  readonly beta: Float64Array;
  readonly mean0: Float64Array;
  readonly var0: Float64Array;
  readonly mean1: Float64Array;
  readonly var1: Float64Array;
  readonly mean2: Float64Array;
  readonly var2: Float64Array;
}

/** Monic HerPN x² + a1[c]·x + a0[c] per channel. */
export function herpnMonic(x: Tensor3, a1: Float64Array, a0: Float64Array): Tensor3 {
  checkLen(x, a1, 'a1');
  checkLen(x, a0, 'a0');
  const hw = x.h * x.w;
  const out = new Float64Array(x.data.length);
  for (let c = 0; c < x.c; c++) {
    const p = a1[c]!;
    const q = a0[c]!;
    for (let j = c * hw; j < (c + 1) * hw; j++) {
      const v = x.data[j]!;
      out[j] = v * v + p * v + q;
    }
  }
  return { c: x.c, h: x.h, w: x.w, data: out };
}

/** General HerPN a2[c]·x² + a1[c]·x + a0[c] per channel. */
export function herpn(x: Tensor3, k: HerpnCoefficients): Tensor3 {
  checkLen(x, k.a2, 'a2');
  checkLen(x, k.a1, 'a1');
  checkLen(x, k.a0, 'a0');
  const hw = x.h * x.w;
  const out = new Float64Array(x.data.length);
  for (let c = 0; c < x.c; c++) {
    const a = k.a2[c]!;
    const b = k.a1[c]!;
    const d = k.a0[c]!;
    for (let j = c * hw; j < (c + 1) * hw; j++) {
      const v = x.data[j]!;
      out[j] = (a * v + b) * v + d;
    }
  }
  return { c: x.c, h: x.h, w: x.w, data: out };
}

/** Folds the training form into (a2, a1, a0) with the reference formulas (ε = BN epsilon, 1e-5 by default). */
export function herpnFromTraining(p: HerpnTrainingParams, eps = 1e-5): HerpnCoefficients {
  const n = p.gamma.length;
  const a2 = new Float64Array(n);
  const a1 = new Float64Array(n);
  const a0 = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const g = p.gamma[c]!;
    const r0 = Math.sqrt(2 * Math.PI * (p.var0[c]! + eps));
    const r1 = 2 * Math.sqrt(p.var1[c]! + eps);
    const r2 = Math.sqrt(8 * Math.PI * (p.var2[c]! + eps));
    a2[c] = g / r2;
    a1[c] = g / r1;
    a0[c] = p.beta[c]! + g * ((1 - p.mean0[c]!) / r0 - p.mean1[c]! / r1 - (1 + Math.SQRT2 * p.mean2[c]!) / r2);
  }
  return { a2, a1, a0 };
}

/** Monic normalisation: returns a1' = a1/a2, a0' = a0/a2 (a2 must be non-zero in every channel). */
export function herpnToMonic(k: HerpnCoefficients): { a1: Float64Array; a0: Float64Array } {
  const a1 = new Float64Array(k.a2.length);
  const a0 = new Float64Array(k.a2.length);
  for (let c = 0; c < k.a2.length; c++) {
    const s = k.a2[c]!;
    if (s === 0) throw new RangeError(`herpnToMonic: a2 is zero in channel ${c}`);
    a1[c] = k.a1[c]! / s;
    a0[c] = k.a0[c]! / s;
  }
  return { a1, a0 };
}

function checkLen(x: Tensor3, v: Float64Array, name: string): void {
  if (v.length !== x.c) throw new RangeError(`herpn: ${name} has ${v.length} values for ${x.c} channels`);
}
