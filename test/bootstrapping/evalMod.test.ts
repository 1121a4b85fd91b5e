// EvalMod in float64 against Math.sin/Math.cos, the failure probability against independent computations, and
// the homomorphic EvalMod against its float64 chain (small insecure N = 2^10).
//
// Float64 bounds: the cosine fit is checked against Math.cos on every interval [i ± ε] (max error reported by the
// Remez search, re-measured here on a dense grid); the whole chain (polynomial, r double angles, optional arcsine)
// against x − round(x) with tolerance 2^5·fit error·C (each double angle multiplies the error by |4c| ≤ 4, and the
// sine itself is off by (2πδ)³/(6·2π) without arcsine).
import { describe, expect, it } from 'vitest';
import { EvalMod } from '../../src/ckks/circuits/bootstrapping/evalMod.js';
import { chooseK, log2BootstrapFailure, log2CoefficientFailure } from '../../src/ckks/circuits/bootstrapping/failureProbability.js';
import { PolynomialEvaluator } from '../../src/ckks/circuits/polynomial/polynomialEvaluator.js';
import { fixture, randomReals } from '../scheme/helpers.js';

describe('failure probability of the modular reduction', () => {
  it('matches the float64 Irwin–Hall tail for small weights (where the alternating sum is still accurate)', () => {
    const fact = (m: number) => { let f = 1; for (let i = 2; i <= m; i++) f *= i; return f; };
    const binom = (m: number, k: number) => fact(m) / (fact(k) * fact(m - k));
    for (const [h, K] of [[11, 2], [11, 3], [15, 4], [7, 1]] as const) {
      const m = h + 1;
      const x = m / 2 - K - 0.5;
      let F = 0;
      for (let k = 0; k <= Math.floor(x); k++) F += (-1) ** k * binom(m, k) * (x - k) ** m;
      F /= fact(m);
      expect(log2CoefficientFailure(h, K)).toBeCloseTo(Math.log2(2 * F), 8);
    }
  });

  it('matches a Monte-Carlo estimate (h = 11, K = 2: sum of 12 uniforms beyond ±2.5, ≈ 1.2e-2)', () => {
    let fails = 0;
    const trials = 200000;
    const u = randomReals(12 * trials, 4242); // uniform in [−1, 1]
    for (let t = 0; t < trials; t++) {
      let s = 0;
      for (let i = 0; i < 12; i++) s += u[12 * t + i]! / 2;
      if (Math.abs(s) > 2.5) fails++;
    }
    const p = 2 ** log2CoefficientFailure(11, 2);
    expect(Math.abs(fails / trials - p)).toBeLessThan(5 * Math.sqrt(p / trials));
  });

  it('h = 32: K = 15 gives 2^-105.7 over 2^16 coefficients (2/33!·2^16), K ≥ 16 is exact (|x| ≤ 16.5 always)', () => {
    expect(log2BootstrapFailure(32, 15, 2 ** 16)).toBeCloseTo(1 + 16 - 122.7, 1);
    expect(log2BootstrapFailure(32, 16, 2 ** 16)).toBe(-Infinity);
    expect(chooseK(32, 2 ** 16, -128)).toBe(16);
    expect(chooseK(192, 2 ** 16, -128)).toBeGreaterThan(30);
  });
});

describe('EvalMod in float64 against Math.sin / Math.cos', () => {
  it('minimax, K = 16, r = 3, degree 40: the cosine fit and the whole chain on every interval [i ± 2^-8], |i| ≤ 16', () => {
    const em = new EvalMod({ K: 16, doubleAngle: 3, degree: 40, logMessageRatio: 8, approximation: 'minimax' });
    expect(em.depth).toBe(6 + 3);
    const f = (x: number) => Math.cos((2 * Math.PI * (x - 0.25)) / 8);
    let fit = 0;
    let chain = 0;
    for (let i = -16; i <= 16; i++) {
      for (let k = 0; k <= 200; k++) {
        const x = i - em.epsilon + (2 * em.epsilon * k) / 200;
        fit = Math.max(fit, Math.abs(evalCos(em, x) - f(x)));
        // C = 1: the chain returns sin(2πx)/(2π) up to 2^5·fit
        chain = Math.max(chain, Math.abs(em.evaluatePlain(x, 1) - Math.sin(2 * Math.PI * x) / (2 * Math.PI)));
      }
    }
    expect(fit).toBeLessThan(2 ** -44);
    expect(chain).toBeLessThan(2 ** -38);
  });

  it('with the arcsine (degree 7): x − round(x) within 2^-30 for |δ| ≤ 2^-8 (without: (2πδ)³/(6·2π) ≈ 2^-21.3)', () => {
    const em = new EvalMod({ K: 12, doubleAngle: 3, degree: 40, arcsineDegree: 7, logMessageRatio: 8, approximation: 'minimax' });
    const plain = new EvalMod({ K: 12, doubleAngle: 3, degree: 40, logMessageRatio: 8, approximation: 'minimax' });
    let withAsin = 0;
    let without = 0;
    for (let i = -12; i <= 12; i++) {
      for (let k = 0; k <= 100; k++) {
        const d = -em.epsilon + (2 * em.epsilon * k) / 100;
        withAsin = Math.max(withAsin, Math.abs(em.evaluatePlain(i + d, 1) - d));
        without = Math.max(without, Math.abs(plain.evaluatePlain(i + d, 1) - d));
      }
    }
    expect(withAsin).toBeLessThan(2 ** -30);
    expect(without).toBeGreaterThan(2 ** -22);
    expect(without).toBeLessThan(2 ** -21);
  });
});

function evalCos(em: EvalMod, x: number): number {
  let c = 0;
  let b1 = 0, b2 = 0;
  const t = x / em.inputDivisor;
  for (let j = em.coefficients.length - 1; j >= 1; j--) { const b0 = 2 * t * b1 - b2 + em.coefficients[j]!; b2 = b1; b1 = b0; }
  c = t * b1 - b2 + em.coefficients[0]!;
  return c;
}

describe('EvalMod interpolated at the integers (Han–Ki), float64, K = 15, r = 3, degree 30 (the presets)', () => {
  const em = new EvalMod({ K: 15, doubleAngle: 3, degree: 30, logMessageRatio: 8 });
  const chainError = (i: number, d: number) => Math.abs(em.evaluatePlain(i + d, 1) - Math.sin(2 * Math.PI * (i + d)) / (2 * Math.PI));
  it('at the integers |i| ≤ 15 the chain equals sin(2πx)/(2π) to 2^-44 (exact interpolation, float64 evaluation)', () => {
    for (let i = -15; i <= 15; i++) expect(chainError(i, 0), `i = ${i}`).toBeLessThan(2 ** -44);
  });
  it('next to them: < 2^-44 for |i| ≤ 7 and |δ| ≤ 2^-8; < 2^-38 for |i| ≤ 12, |δ| ≤ 2^-12; < 2^-22 for |i| ≤ 15, |δ| ≤ 2^-8', () => {
    for (let i = -15; i <= 15; i++) {
      for (const d of [-(2 ** -8), -(2 ** -12), 2 ** -16, 2 ** -12, 2 ** -8]) {
        const e = chainError(i, d);
        if (Math.abs(i) <= 7) expect(e).toBeLessThan(2 ** -44);
        else if (Math.abs(i) <= 12 && Math.abs(d) <= 2 ** -12) expect(e).toBeLessThan(2 ** -38);
        else expect(e).toBeLessThan(2 ** -22);
      }
    }
  });
  it('the interpolant matches Math.cos at the nodes and needs degree 2K', () => {
    const f = em.unscaledFunction();
    for (let i = -15; i <= 15; i++) {
      let b1 = 0, b2 = 0;
      const t = i / em.inputDivisor;
      for (let j = em.coefficients.length - 1; j >= 1; j--) { const b0 = 2 * t * b1 - b2 + em.coefficients[j]!; b2 = b1; b1 = b0; }
      expect(Math.abs(t * b1 - b2 + em.coefficients[0]! - f(t))).toBeLessThan(2 ** -48);
    }
    expect(() => new EvalMod({ K: 15, doubleAngle: 3, degree: 31, logMessageRatio: 8 })).toThrow(RangeError);
  });
});

describe('homomorphic EvalMod (small insecure N = 2^10, 55 … 60-bit primes, Δ = 2^50)', () => {
  // primes of different sizes: a double angle rescaled by another prime than planned misses its scale (SCALE_MISMATCH)
  const LIT = { logN: 10, logQ: [60, 60, 56, 60, 58, 55, 60, 57, 60, 59, 60, 60], logP: [61, 61], logDefaultScale: 50 };
  const F = fixture(LIT, 31);
  const pe = new PolynomialEvaluator(F.evaluator, F.encoder);

  it('x = I + δ (|I| ≤ 12, |δ| ≤ 2^-8): output C·δ within 2^-20·C at the exact target scale, depth levels used', () => {
    const em = new EvalMod({ K: 12, doubleAngle: 3, degree: 24, logMessageRatio: 8 });
    const n = 512;
    const I = randomReals(n, 77).map((v) => Math.round(v * 12));
    const d = randomReals(n, 78).map((v) => v * em.epsilon);
    const x = I.map((v, i) => v + d[i]!);
    const ct = F.encrypt(x.map((v) => v / em.inputDivisor), LIT.logQ.length - 1, 2 ** 60);
    const C = 256;
    const out = em.evaluate(pe, F.evaluator, ct, C, 2 ** 50);
    expect(out.level).toBe(ct.level - em.depth);
    expect(out.scale).toBe(2 ** 50);
    const got = F.decrypt(out).re;
    let err = 0;
    let vsPlain = 0;
    for (let i = 0; i < n; i++) {
      err = Math.max(err, Math.abs(got[i]! - C * d[i]!));
      vsPlain = Math.max(vsPlain, Math.abs(got[i]! - em.evaluatePlain(x[i]!, C)));
    }
    console.log(`EvalMod N = 2^10: |out − C·δ|/C = 2^${Math.log2(err / C).toFixed(1)}, vs float64 chain 2^${Math.log2(vsPlain / C).toFixed(1)}`);
    expect(err / C).toBeLessThan(2 ** -20);
    expect(vsPlain / C).toBeLessThan(2 ** -24);
  });
});
