// The committed normalisation polynomial p(s) = a s² + b s + c equals 1/√s at its three control points
// (tolerance 1e-9 relative), refitting from the control points reproduces (a, b, c) (1e-6 relative), and its
// relative error |p(s)·√s − 1| over the training-norm range [min, max] is reported (and must stay below 5%).
// Distances and the verdict follow d = ||ŷ1 − ŷ2||², match iff d − τ < 0.
import { describe, expect, it } from 'vitest';
import { evalNormPolynomial, fitNormPolynomial, loadWeights, normalizeExact, normalizePoly, squaredDistance, squaredNorm, verdict } from '../../src/face/index.js';
import { readModel } from './modelFiles.js';

const { manifestText, binary } = readModel();
const w = loadWeights(manifestText, binary);
const p = w.normalization;

describe('normalisation polynomial', () => {
  it('equals 1/√t at the three control points', () => {
    for (const x of p.controlPoints) expect(Math.abs(evalNormPolynomial(p, x) * Math.sqrt(x) - 1)).toBeLessThanOrEqual(1e-9);
  });

  it('refits to the same coefficients from its control points', () => {
    const [x1, x2, x3] = p.controlPoints as [number, number, number];
    const q = fitNormPolynomial(x1, x2, x3);
    for (const x of [p.stats.min, p.stats.mean, p.stats.max]) {
      expect(Math.abs(evalNormPolynomial(q, x) / evalNormPolynomial(p, x) - 1)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('has a small relative error over the kept training-norm range (reported)', () => {
    let worst = 0;
    for (let i = 0; i <= 2000; i++) {
      const s = p.stats.min + ((p.stats.max - p.stats.min) * i) / 2000;
      worst = Math.max(worst, Math.abs(evalNormPolynomial(p, s) * Math.sqrt(s) - 1));
    }
    console.log(`norm polynomial: max |p(s)·√s − 1| = ${worst.toExponential(3)} over s ∈ [${p.stats.min.toFixed(3)}, ${p.stats.max.toFixed(3)}]`);
    expect(worst).toBeLessThanOrEqual(0.05);
  });

  it('normalises, measures distance and decides as the protocol says', () => {
    const y = Float64Array.from({ length: 256 }, (_, i) => Math.sin(i) * Math.sqrt(p.stats.mean / 128));
    expect(Math.abs(squaredNorm(normalizeExact(y)) - 1)).toBeLessThanOrEqual(1e-12);
    const s = squaredNorm(y);
    expect(Math.abs(squaredNorm(normalizePoly(y, p)) - s * evalNormPolynomial(p, s) ** 2)).toBeLessThanOrEqual(1e-9);
    expect(squaredDistance(y, y)).toBe(0);
    expect(verdict(0.5, 1).match).toBe(true);
    expect(verdict(1.5, 1)).toEqual({ match: false, score: 0.5 });
  });
});
