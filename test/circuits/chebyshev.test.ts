// Float64 approximation tools: Chebyshev interpolation / Clenshaw / basis conversion, and Remez minimax.
// Stated bounds (measured values in parentheses, float64):
//  - interpolation of exp on [−1, 1] at degree 15: < 1e-14 (≈ 4e-16; theory ≈ 2^-15/16! ≈ 1.5e-18 + rounding);
//    sin on [−π, π] at degree 21: < 1e-13; exp on [0, 4] at degree 20: < 1e-12 (relative to e^4 ≈ 55);
//  - Remez beats interpolation at equal degree: sigmoid(8x) degree 15 (8.8e-4 vs 1.38e-3), |x| degree 20
//    (1.40e-2 vs 2.85e-2), tanh(4x) degree 63 (1.8e-11 vs 2.8e-11); checked: Remez < 0.8 × interpolation;
//  - bootstrapping's cosine cos(2π(x − 1/4)/r) on ∪_{|i|≤K}[i − 2^-10, i + 2^-10]: K = 12, r = 8, degree 30:
//    2^-44.5 (float64 floor — the hull interpolant is as good), checked < 2^-43; K = 12, r = 4, degree 31:
//    2^-24.2 vs interpolation 2^-17.0, checked < 2^-23 and < interpolation/64; K = 16, r = 8, degree 30
//    (Lattigo's default EvalMod setting): 2^-35.8 vs 2^-32.1, checked < 2^-35;
//  - closed forms: the best degree-d approximation of x^(d+1) on [−1, 1] is x^(d+1) − T_(d+1)/2^d (error 2^−d,
//    checked to 1e-9 relative, coefficients to 1e-9, reference = T_(d+1)'s extrema to 1e-6); of |x| at degree 2,
//    x² + 1/8 (error 1/8, to 1e-9).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  chebyshevInterpolate, chebyshevNodes, chebyshevToMonomial, evaluateChebyshev, evaluateMonomial, intervalsAroundIntegers,
  maxApproximationError, monomialToChebyshev, remez,
} from '../../src/ckks/circuits/polynomial/index.js';

function maxOn(f: (x: number) => number, g: (x: number) => number, a: number, b: number, n = 4001): number {
  let e = 0;
  for (let k = 0; k < n; k++) { const x = a + ((b - a) * k) / (n - 1); e = Math.max(e, Math.abs(f(x) - g(x))); }
  return e;
}

describe('Chebyshev tools (float64)', () => {
  it('nodes are the roots of T_n, inside the interval', () => {
    const nodes = chebyshevNodes(9, [2, 5]);
    expect(nodes.length).toBe(9);
    for (const x of nodes) {
      expect(x).toBeGreaterThan(2);
      expect(x).toBeLessThan(5);
      const t = (2 * x - 7) / 3;
      expect(Math.abs(Math.cos(9 * Math.acos(t)))).toBeLessThan(1e-13);
    }
  });

  it('Clenshaw evaluation equals Σ c_j cos(j·arccos t)', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.double({ min: -1, max: 1, noNaN: true }), (c, t) => {
      const direct = c.reduce((s, v, j) => s + v * Math.cos(j * Math.acos(t)), 0);
      expect(Math.abs(evaluateChebyshev(c, t) - direct)).toBeLessThan(1e-12);
      expect(Math.abs(evaluateChebyshev(c, 3 + 2 * t, [1, 5]) - direct)).toBeLessThan(1e-12);
    }));
  });

  it('interpolation error of smooth functions is below the stated bounds', () => {
    expect(maxOn(Math.exp, (x) => evaluateChebyshev(chebyshevInterpolate(Math.exp, 15), x), -1, 1)).toBeLessThan(1e-14);
    const s = chebyshevInterpolate(Math.sin, 21, [-Math.PI, Math.PI]);
    expect(maxOn(Math.sin, (x) => evaluateChebyshev(s, x, [-Math.PI, Math.PI]), -Math.PI, Math.PI)).toBeLessThan(1e-13);
    const e = chebyshevInterpolate(Math.exp, 20, [0, 4]);
    expect(maxOn(Math.exp, (x) => evaluateChebyshev(e, x, [0, 4]), 0, 4)).toBeLessThan(1e-12);
    // Low degree: the error follows the classical bound |f^{(d+1)}|/(2^d (d+1)!) for [−1, 1].
    const e5 = maxOn(Math.exp, (x) => evaluateChebyshev(chebyshevInterpolate(Math.exp, 5), x), -1, 1);
    expect(e5).toBeLessThan(Math.E / (2 ** 5 * 720));
  });

  it('interpolation reproduces polynomials of degree ≤ d exactly (up to rounding)', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }), (c) => {
      const d = c.length - 1;
      const again = chebyshevInterpolate((x) => evaluateChebyshev(c, x, [-3, 1]), d + 3, [-3, 1]);
      for (let j = 0; j < again.length; j++) expect(Math.abs(again[j]! - (c[j] ?? 0))).toBeLessThan(1e-13);
    }));
  });

  it('monomial ↔ Chebyshev conversions agree pointwise and round-trip (degree ≤ 14, any interval)', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 15 }),
      fc.double({ min: -4, max: 4, noNaN: true }), fc.double({ min: 0.25, max: 4, noNaN: true }),
      (a, lo, width) => {
        const iv = [lo, lo + width] as const;
        const c = monomialToChebyshev(a, iv);
        expect(c.length).toBe(a.length);
        const scale = 1 + a.reduce((s, v, j) => s + Math.abs(v) * Math.max(Math.abs(lo), Math.abs(lo + width)) ** j, 0);
        for (const t of [-1, -0.3, 0.5, 1]) {
          const x = lo + ((t + 1) * width) / 2;
          expect(Math.abs(evaluateChebyshev(c, x, iv) - evaluateMonomial(a, x))).toBeLessThan(1e-12 * scale);
        }
        const back = chebyshevToMonomial(c, iv);
        for (const t of [-1, 0.2, 1]) {
          const x = lo + ((t + 1) * width) / 2;
          expect(Math.abs(evaluateMonomial(back, x) - evaluateMonomial(a, x))).toBeLessThan(1e-9 * scale);
        }
      }));
    // x^3 = (3T_1 + T_3)/4 and back
    expect(Array.from(monomialToChebyshev([0, 0, 0, 1]))).toEqual([0, 0.75, 0, 0.25]);
    expect(Array.from(chebyshevToMonomial([0, 0, 0, 1]))).toEqual([0, -3, 0, 4]);
  });

  it('argument validation', () => {
    expect(() => chebyshevInterpolate(Math.exp, -1)).toThrow(RangeError);
    expect(() => chebyshevInterpolate(Math.exp, 3, [1, 1])).toThrow(RangeError);
    expect(() => chebyshevInterpolate(Math.log, 3, [-1, 1])).toThrow(RangeError); // NaN at a node
    expect(() => chebyshevInterpolate(null as unknown as (x: number) => number, 3)).toThrow(TypeError);
    expect(() => monomialToChebyshev([])).toThrow(RangeError);
    expect(() => monomialToChebyshev(['1'] as unknown as number[])).toThrow(TypeError);
    expect(() => chebyshevNodes(0)).toThrow(RangeError);
  });
});

describe('Remez minimax (float64)', () => {
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-8 * x));
  const tanh4 = (x: number) => Math.tanh(4 * x);
  it('beats Chebyshev interpolation of the same degree and equioscillates', () => {
    for (const [f, d] of [[sigmoid, 15], [Math.abs, 20], [tanh4, 63]] as const) {
      const r = remez(f, [-1, 1], d);
      expect(r.converged).toBe(true);
      expect(r.coefficients.length).toBe(d + 1);
      const dense = maxApproximationError(f, r.coefficients, [-1, 1], r.interval, 20001);
      const interp = maxApproximationError(f, chebyshevInterpolate(f, d), [-1, 1], [-1, 1], 20001);
      expect(dense).toBeLessThanOrEqual(r.maxError * (1 + 1e-3));
      expect(r.maxError).toBeLessThan(0.8 * interp);
      // de la Vallée Poussin: the levelled error bounds the best error from below — the result is within 0.1 %.
      expect(r.levelledError).toBeGreaterThan(r.maxError * (1 - 1e-3));
    }
  });

  it('bootstrapping cosine on ∪_{|i|≤K} [i − 2^-10, i + 2^-10] (errors stated in the header)', () => {
    const cosine = (r: number) => (x: number) => Math.cos((2 * Math.PI * (x - 0.25)) / r);
    const cases = [[12, 8, 30, 2 ** -43], [12, 4, 31, 2 ** -23], [16, 8, 30, 2 ** -35]] as const;
    for (const [K, r, d, bound] of cases) {
      const f = cosine(r);
      const ivs = intervalsAroundIntegers(K, 2 ** -10);
      const res = remez(f, ivs, d);
      expect(res.interval[0]).toBeCloseTo(-K - 2 ** -10, 12);
      const err = maxApproximationError(f, res.coefficients, ivs, res.interval, 200);
      const interp = maxApproximationError(f, chebyshevInterpolate(f, d, res.interval), ivs, res.interval, 200);
      expect(err, `K=${K} r=${r} d=${d}: 2^${Math.log2(err).toFixed(2)}`).toBeLessThan(bound);
      expect(err).toBeLessThanOrEqual(interp * (1 + 1e-6));
      if (r === 4) expect(err).toBeLessThan(interp / 64);
    }
  });

  it('a polynomial target is recovered exactly; degree 0 is the midrange', () => {
    const p = [0.3, -0.2, 0.5, 0.1];
    const r = remez((x) => evaluateChebyshev(p, x), [-1, 1], 3);
    expect(r.maxError).toBeLessThan(1e-14);
    const c = remez(Math.exp, [0, 1], 0);
    expect(c.coefficients[0]).toBeCloseTo((1 + Math.E) / 2, 10);
    expect(c.maxError).toBeCloseTo((Math.E - 1) / 2, 10);
  });

  it('closed-form minimax: x^(d+1) on [−1, 1] (error 2^−d, alternation at the extrema of T_(d+1)) and |x| at degree 2 (x² + 1/8)', () => {
    for (const d of [1, 2, 3, 5, 8]) {
      const r = remez((x) => x ** (d + 1), [-1, 1], d);
      // x^(d+1) − p*(x) = T_(d+1)(x)/2^d, the monic Chebyshev polynomial: error exactly 2^−d
      expect(Math.abs(r.maxError - 2 ** -d)).toBeLessThanOrEqual(1e-9 * 2 ** -d);
      expect(r.converged).toBe(true);
      expect(r.levelledError).toBeLessThanOrEqual(r.maxError * (1 + 1e-12));
      // p* in the monomial basis: x^(d+1) − T_(d+1)/2^d (from T_(d+1)'s recurrence, computed here independently)
      let t0 = [1], t1 = [0, 1];
      for (let k = 1; k <= d; k++) {
        const t2 = new Array<number>(k + 2).fill(0);
        t1.forEach((c, j) => { t2[j + 1] = t2[j + 1]! + 2 * c; });
        t0.forEach((c, j) => { t2[j] = t2[j]! - c; });
        [t0, t1] = [t1, t2];
      }
      const want = t1.map((c, j) => (j === d + 1 ? 1 : 0) - c / 2 ** d).slice(0, d + 1);
      const got = chebyshevToMonomial(r.coefficients, r.interval);
      want.forEach((c, j) => expect(Math.abs(got[j]! - c), `d=${d} x^${j}`).toBeLessThan(1e-9));
      // the reference it kept is T_(d+1)'s alternation set cos(kπ/(d+1)), where the error is ±2^−d with alternating signs
      const ref = [...r.reference].sort((a, b) => a - b);
      expect(ref.length).toBe(d + 2);
      ref.forEach((x, k) => {
        expect(Math.abs(x - Math.cos(((d + 1 - k) * Math.PI) / (d + 1)))).toBeLessThan(1e-6);
        const e = evaluateChebyshev(r.coefficients, x, r.interval) - x ** (d + 1);
        expect(Math.abs(Math.abs(e) - 2 ** -d)).toBeLessThan(1e-8);
        if (k > 0) expect(Math.sign(e)).toBe(-Math.sign(evaluateChebyshev(r.coefficients, ref[k - 1]!, r.interval) - ref[k - 1]! ** (d + 1)));
      });
    }
    const a = remez(Math.abs, [-1, 1], 2);
    expect(Math.abs(a.maxError - 1 / 8)).toBeLessThan(1e-9);
    const m = chebyshevToMonomial(a.coefficients, a.interval);
    expect(Math.abs(m[0]! - 1 / 8)).toBeLessThan(1e-8);
    expect(Math.abs(m[1]!)).toBeLessThan(1e-8);
    expect(Math.abs(m[2]! - 1)).toBeLessThan(1e-8);
  });

  it('options: a wider basis interval gives the same best polynomial; one iteration is reported as such', () => {
    const f = (x: number) => Math.exp(x) * Math.sin(3 * x);
    const hull = remez(f, [0, 1], 6);
    const wide = remez(f, [0, 1], 6, { basisInterval: [-1, 2] });
    expect(wide.interval).toEqual([-1, 2]);
    expect(Math.abs(wide.maxError - hull.maxError)).toBeLessThan(1e-6 * hull.maxError);
    for (const x of [0, 0.25, 0.5, 0.9, 1]) {
      expect(Math.abs(evaluateChebyshev(wide.coefficients, x, wide.interval) - evaluateChebyshev(hull.coefficients, x, hull.interval))).toBeLessThan(1e-6 * hull.maxError + 1e-12);
    }
    const once = remez(f, [0, 1], 6, { maxIterations: 1 });
    expect(once.iterations).toBe(1);
    expect(once.maxError).toBeGreaterThanOrEqual(hull.maxError * (1 - 1e-9));
    // fewer samples still find the optimum (they only seed the extremum search)
    const coarse = remez(f, [0, 1], 6, { samples: 8 });
    expect(Math.abs(coarse.maxError - hull.maxError)).toBeLessThan(1e-3 * hull.maxError);
    expect(() => remez(f, [0, 1], 6, { samples: 7 })).toThrow(RangeError);
    expect(() => remez(f, [0, 1], 6, { maxIterations: 0 })).toThrow(RangeError);
  });

  it('argument validation', () => {
    expect(() => remez(Math.exp, [[0, 2], [1, 3]], 4)).toThrow(RangeError); // overlapping
    expect(() => remez(Math.exp, [2, 1], 4)).toThrow(RangeError);
    expect(() => remez(Math.exp, [0, 1], 1.5)).toThrow(RangeError);
    expect(() => remez(Math.exp, [0, 1], 4, { basisInterval: [0.5, 1] })).toThrow(RangeError);
    expect(() => remez(Math.exp, [0, 1], 4, { tolerance: 2 })).toThrow(RangeError);
    expect(() => remez(() => Number.NaN, [0, 1], 4)).toThrow(RangeError);
    expect(() => remez(Math.exp, [] as unknown as [number, number], 4)).toThrow(TypeError);
    expect(() => intervalsAroundIntegers(12, 0.6)).toThrow(RangeError);
  });

  it('argument boundaries: each limit is accepted exactly at its edge and refused just past it', () => {
    const f = (x: number) => Math.exp(x);
    expect(intervalsAroundIntegers(0, 0.25)).toEqual([[-0.25, 0.25]]);
    expect(intervalsAroundIntegers(1 << 16, 0.25).length).toBe(2 * (1 << 16) + 1);
    for (const K of [-1, 1.5, (1 << 16) + 1]) expect(() => intervalsAroundIntegers(K, 0.25), `K = ${K}`).toThrow(RangeError);
    for (const e of [0, 0.5, -0.1]) expect(() => intervalsAroundIntegers(3, e), `ε = ${e}`).toThrow(RangeError);
    expect(intervalsAroundIntegers(3, 0.499)[0]![0]).toBeCloseTo(-3.499, 12);
    for (const d of [-1, 2.5, 257]) expect(() => remez(f, [0, 1], d), `degree ${d}`).toThrow(RangeError);
    expect(remez(f, [0, 1], 256, { maxIterations: 1, samples: 258 }).coefficients.length).toBe(257);
    for (const m of [0, 1.5, -3]) expect(() => remez(f, [0, 1], 3, { maxIterations: m }), `maxIterations ${m}`).toThrow(RangeError);
    for (const t of [0, 1, -1e-3]) expect(() => remez(f, [0, 1], 3, { tolerance: t }), `tolerance ${t}`).toThrow(RangeError);
    expect(remez(f, [0, 1], 3, { tolerance: 0.5 }).coefficients.length).toBe(4);
    for (const n of [4, 5.5]) expect(() => remez(f, [0, 1], 3, { samples: n }), `samples ${n}`).toThrow(RangeError);
    expect(remez(f, [0, 1], 3, { samples: 5 }).coefficients.length).toBe(4);
    const c = chebyshevInterpolate(f, 3);
    for (const n of [1, 2.5]) expect(() => maxApproximationError(f, c, [0, 1], [-1, 1], n), `samplesPerInterval ${n}`).toThrow(RangeError);
    // two samples per interval: exactly the end points
    expect(maxApproximationError(f, c, [0, 1], [-1, 1], 2)).toBe(Math.max(Math.abs(evaluateChebyshev(c, 0) - 1), Math.abs(evaluateChebyshev(c, 1) - Math.E)));
  });
});
