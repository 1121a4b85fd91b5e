/**
 * Embedding normalisation and matching of CryptoFace (reference §2.6–2.7): the degree-2 polynomial
 * p(s) = a·s² + b·s + c ≈ 1/√s through the control points x1 = μ, x2 = min(μ+σ, max), x3 = max(μ−σ, min)
 * of s = ||y||² (computable under CKKS with 3 levels), ŷ = y·p(||y||²), distance d = ||ŷ1 − ŷ2||²,
 * "same person" iff d < τ.
 */
import type { NormPolynomial } from './weights.js';

/** ||y||². */
export function squaredNorm(y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]! * y[i]!;
  return s;
}

/** p(s) = a·s² + b·s + c. */
export function evalNormPolynomial(p: Pick<NormPolynomial, 'a' | 'b' | 'c'>, s: number): number {
  return (p.a * s + p.b) * s + p.c;
}

/**
 * Fits p through (xk, 1/√xk) for the three control points (3×3 Vandermonde solve, Cramer's rule in float64).
 */
export function fitNormPolynomial(x1: number, x2: number, x3: number): { a: number; b: number; c: number } {
  const xs = [x1, x2, x3];
  const ys = xs.map((x) => 1 / Math.sqrt(x));
  // Newton divided differences, then expand to monomial coefficients.
  const d01 = (ys[1]! - ys[0]!) / (x2 - x1);
  const d12 = (ys[2]! - ys[1]!) / (x3 - x2);
  const d012 = (d12 - d01) / (x3 - x1);
  const a = d012;
  const b = d01 - d012 * (x1 + x2);
  const c = ys[0]! - d01 * x1 + d012 * x1 * x2;
  return { a, b, c };
}

/** ŷ = y · p(||y||²) (the CKKS-friendly approximate unit vector). */
export function normalizePoly(y: Float64Array, p: Pick<NormPolynomial, 'a' | 'b' | 'c'>): Float64Array {
  const f = evalNormPolynomial(p, squaredNorm(y));
  return y.map((v) => v * f);
}

/** ŷ = y / ||y|| (exact L2 normalisation, the PyTorch evaluation form). */
export function normalizeExact(y: Float64Array): Float64Array {
  const n = Math.sqrt(squaredNorm(y));
  return y.map((v) => v / n);
}

/** ||a − b||². */
export function squaredDistance(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new RangeError('squaredDistance: length mismatch');
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** The verification verdict: score = d − τ (what the encrypted protocol decrypts); match iff score < 0. */
export function verdict(distance: number, tau: number): { match: boolean; score: number } {
  const score = distance - tau;
  return { match: score < 0, score };
}
