// Homomorphic polynomial evaluation vs float64 evaluation of the same polynomial on the decrypted input
// (small insecure N = 2^10, Q = 55 + 8×45 bits, P = 2×56 bits, Δ = 2^45, 512 slots).
//
// Tolerances: tol(depth) = 2^(depth − 32) for test polynomials with c_j uniform in [−1, 1]/(j + 1) (Σ|c_j| ≈ 2…5).
// A fresh encryption at Δ = 2^45 is off by ≈ 2^-35 per slot and every product/rescale adds noise of that order.
// In the Chebyshev basis the noise of T_n is amplified by |dT_{2n}/dT_n| = 4|T_n| ≤ 4 at each doubling (in the
// monomial basis by 2|x^n| ≤ 2), so the error grows about one bit per level. Measured maxima over 512 slots and
// all degrees 1 … 63 (by depth 1 … 6 / 7): Chebyshev on [−1, 1] 2^-34.9, -34.7, -33.4, -30.9, -30.3, -28.4;
// on [−12, 12] (depth + 1 for the map) 2^-35.3 … -28.0 (depth 7); monomial 2^-35.2 … -32.1. The tolerance leaves
// ≥ 2.4 bits of margin everywhere, while any mistake in the algebra or the scales gives errors of order 2^-10 … 1.
// Depth: exactly ⌈log2(d + 1)⌉ levels, plus one for the map [a, b] → [−1, 1] when 2/(b − a) is not an integer.
// Output scale: exactly the requested one (===), including for inputs whose scale is not a power of two.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixture, maxError, randomReals } from '../scheme/helpers.js';
import {
  PolynomialEvaluator, chebyshevInterpolate, evaluateChebyshev, evaluateMonomial, intervalsAroundIntegers,
  polynomialDepth, remez, type Polynomial,
} from '../../src/ckks/circuits/polynomial/index.js';
import { expectCkksError } from '../support/expectCkksError.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';

const LIT = { logN: 10, logQ: [55, 45, 45, 45, 45, 45, 45, 45, 45], logP: [56, 56], logDefaultScale: 45 };
const SLOTS = 512;
const F = fixture(LIT, 11);
const PE = new PolynomialEvaluator(F.evaluator, F.encoder);
/** Error tolerance for a result `depth` levels below its input, at output scale 2^45 (see the header). */
const tol = (depth: number) => 2 ** (depth - 32);

/** Coefficients uniform in [−1, 1]/(j + 1) (deterministic). */
function coefficients(d: number, seed: number): Float64Array {
  return randomReals(d + 1, seed).map((v, j) => v / (j + 1));
}

/** Encrypts K·(uniform in [−1, 1]) and returns the ciphertext with the decrypted input (the reference's input). */
function input(K: number, seed: number): { ct: Ciphertext; x: Float64Array } {
  const ct = F.encrypt(randomReals(SLOTS, seed).map((v) => v * K));
  return { ct, x: F.decrypt(ct).re };
}

function reference(p: Polynomial, x: Float64Array): Float64Array {
  return p.basis === 'monomial' ? x.map((v) => evaluateMonomial(p.coefficients, v)) : x.map((v) => evaluateChebyshev(p.coefficients, v, p.interval));
}

function check(p: Polynomial, K: number, seed: number, expectedDepth: number): number {
  const { ct, x } = input(K, seed);
  const out = PE.evaluate(ct, p);
  expect(ct.level - out.level).toBe(expectedDepth);
  expect(polynomialDepth(p)).toBe(expectedDepth);
  expect(out.scale).toBe(ct.scale);
  const err = maxError(F.decrypt(out), reference(p, x));
  expect(err, `degree ${p.coefficients.length - 1}`).toBeLessThan(tol(expectedDepth));
  return err;
}

describe('PolynomialEvaluator vs float64 (small insecure N = 2^10, Δ = 2^45)', () => {
  it('Chebyshev basis on [−1, 1], every degree 1 … 63: error < tol(depth), depth ⌈log2(d + 1)⌉, scale unchanged', () => {
    let worst = 0;
    for (let d = 1; d <= 63; d++) {
      worst = Math.max(worst, check({ basis: 'chebyshev', coefficients: coefficients(d, d) }, 1, 1000 + d, Math.ceil(Math.log2(d + 1))));
    }
    expect(worst).toBeGreaterThan(0);
  });

  it('Chebyshev basis on [−12, 12] (one more level for the map), degrees 1 … 63 in steps', () => {
    for (const d of [1, 2, 3, 4, 6, 7, 8, 12, 15, 16, 17, 24, 31, 32, 33, 47, 63]) {
      check({ basis: 'chebyshev', coefficients: coefficients(d, 2 * d), interval: [-12, 12] }, 12, 2000 + d, Math.ceil(Math.log2(d + 1)) + 1);
    }
  });

  it('the map is free when 2/(b − a) is an integer: [0, 1] and [−0.5, 0.5] cost no extra level', () => {
    const { ct, x } = input(0.5, 7);
    const xs = x.map((v) => v + 0.5);
    const shifted = F.evaluator.addConstant(ct, 0.5); // in [0, 1]
    for (const [p, inp, xin] of [
      [{ basis: 'chebyshev', coefficients: coefficients(20, 3), interval: [0, 1] }, shifted, xs],
      [{ basis: 'chebyshev', coefficients: coefficients(20, 4), interval: [-0.5, 0.5] }, ct, x],
    ] as const) {
      const out = PE.evaluate(inp, p);
      expect(inp.level - out.level).toBe(5);
      expect(maxError(F.decrypt(out), reference(p, xin))).toBeLessThan(tol(5));
    }
  });

  it('monomial basis on [−1, 1], degrees 1 … 63 in steps', () => {
    for (const d of [1, 2, 3, 5, 7, 8, 9, 15, 16, 30, 31, 32, 48, 63]) {
      check({ basis: 'monomial', coefficients: coefficients(d, 3 * d) }, 1, 3000 + d, Math.ceil(Math.log2(d + 1)));
    }
  });

  it('random polynomials (fast-check): degree, basis, sparsity, input level', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 63 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1 << 20 }), (d, cheb, sparse, s) => {
      const c = coefficients(d, s);
      if (sparse) for (let j = 0; j < d; j++) if (j % 2 === 0) c[j] = 0; // odd/even-sparse with the top term kept
      const p: Polynomial = cheb ? { basis: 'chebyshev', coefficients: c } : { basis: 'monomial', coefficients: c };
      const depth = Math.ceil(Math.log2(d + 1));
      const level = depth + (s % (9 - depth));
      const ct = F.encrypt(randomReals(SLOTS, s), level);
      const x = F.decrypt(ct).re;
      const out = PE.evaluate(ct, p);
      expect(out.level).toBe(level - depth);
      expect(out.scale).toBe(ct.scale);
      expect(maxError(F.decrypt(out), reference(p, x))).toBeLessThan(tol(depth));
    }), { numRuns: 8 });
  });

  it('output scale is exactly the requested one, also from an input scale that is not a power of two', () => {
    const p: Polynomial = { basis: 'chebyshev', coefficients: coefficients(13, 5) };
    const a = F.encrypt(randomReals(SLOTS, 8)), b = F.encrypt(randomReals(SLOTS, 9));
    const prod = F.evaluator.mulRelinRescale(a, b); // scale 2^90/q_8, level 7
    expect(Number.isInteger(Math.log2(prod.scale))).toBe(false);
    const x = F.decrypt(prod).re;
    for (const target of [undefined, 2 ** 45, 2 ** 40, 2 ** 50, prod.scale * 3]) {
      const out = PE.evaluate(prod, p, { targetScale: target });
      expect(out.scale).toBe(target ?? prod.scale);
      expect(out.level).toBe(prod.level - 4);
      // a smaller output scale has proportionally coarser rounding
      expect(maxError(F.decrypt(out), reference(p, x))).toBeLessThan(tol(4) * Math.max(1, 2 ** 45 / (target ?? prod.scale)));
    }
  });

  it('constant and trailing-zero polynomials: depth of the effective degree', () => {
    const { ct, x } = input(1, 12);
    const c = PE.evaluate(ct, { basis: 'monomial', coefficients: [0.75, 0, 0] });
    expect(c.level).toBe(ct.level);
    expect(maxError(F.decrypt(c), x.map(() => 0.75))).toBeLessThan(tol(0));
    const q = PE.evaluate(ct, { basis: 'chebyshev', coefficients: [0.1, -0.2, 0.3, 0, 0, 0, 0, 0, 0] });
    expect(ct.level - q.level).toBe(2);
    expect(polynomialDepth({ basis: 'chebyshev', coefficients: [0.1, -0.2, 0.3, 0, 0, 0, 0, 0, 0] })).toBe(2);
  });

  it('sparse packing (64 slots) and inputs below the top level', () => {
    const xs = randomReals(64, 13);
    const ct = F.encryptor.encryptSecret(F.encoder.encode(xs, { slots: 64, level: 6 }), F.decryptor['sk']);
    const x = F.decrypt(ct).re;
    const p: Polynomial = { basis: 'chebyshev', coefficients: coefficients(40, 14) };
    const out = PE.evaluate(ct, p);
    expect(out.slots).toBe(64);
    expect(out.level).toBe(0);
    expect(maxError(F.decrypt(out), reference(p, x))).toBeLessThan(tol(6));
  });

  it('degree 63 costs 18 relinearisations (6 baby + 3 giant powers, 9 products in the recursion)', () => {
    const { ct } = input(1, 15);
    const before = F.evaluator.keySwitchCounters.keySwitches;
    PE.evaluate(ct, { basis: 'chebyshev', coefficients: coefficients(63, 16) });
    expect(F.evaluator.keySwitchCounters.keySwitches - before).toBe(18);
  });
});

describe('per-slot polynomials (small insecure N = 2^10)', () => {
  it('HerPN x² + a1_i·x + a0_i with per-channel coefficients (monomial, depth 2)', () => {
    const { ct, x } = input(3, 21);
    // 8 channels of 64 slots each
    const a1 = new Float64Array(SLOTS), a0 = new Float64Array(SLOTS);
    const ch1 = randomReals(8, 22), ch0 = randomReals(8, 23);
    for (let i = 0; i < SLOTS; i++) { a1[i] = ch1[i >> 6]!; a0[i] = ch0[i >> 6]!; }
    const out = PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [a0, a1, 1] });
    expect(ct.level - out.level).toBe(2);
    expect(out.scale).toBe(ct.scale);
    expect(maxError(F.decrypt(out), x.map((v, i) => v * v + a1[i]! * v + a0[i]!))).toBeLessThan(tol(2));
  });

  it('per-slot Chebyshev series of degree 15 on [−2, 2] (vectors and numbers mixed, short vectors zero-padded)', () => {
    const { ct, x } = input(2, 31);
    const coeffs = Array.from({ length: 16 }, (_, j) => (j % 3 === 0 ? 0.5 / (j + 1) : randomReals(j === 15 ? 300 : SLOTS, 40 + j).map((v) => v / (j + 1))));
    const out = PE.evaluatePerSlot(ct, { basis: 'chebyshev', coefficients: coeffs, interval: [-2, 2] });
    expect(ct.level - out.level).toBe(5);
    expect(out.scale).toBe(ct.scale);
    const want = x.map((v, i) => evaluateChebyshev(coeffs.map((c) => (typeof c === 'number' ? c : c[i] ?? 0)), v, [-2, 2]));
    expect(maxError(F.decrypt(out), want)).toBeLessThan(tol(5));
  });
});

describe('approximations evaluated homomorphically (small insecure N = 2^10)', () => {
  it('Chebyshev interpolant of exp on [−2, 2] (degree 15, values ≤ e² ≈ 7.4): |result − exp(x)| < 8·tol(5)', () => {
    const p = chebyshevInterpolate(Math.exp, 15, [-2, 2]);
    const { ct, x } = input(2, 51);
    const out = PE.evaluate(ct, { basis: 'chebyshev', coefficients: p, interval: [-2, 2] });
    expect(ct.level - out.level).toBe(5);
    expect(maxError(F.decrypt(out), x.map(Math.exp))).toBeLessThan(8 * tol(5));
  });

  it('bootstrapping cosine: Remez degree 30 on ∪[i − 2^-10, i + 2^-10], |i| ≤ 12, r = 8 (depth 5 + 1)', () => {
    const f = (v: number) => Math.cos((2 * Math.PI * (v - 0.25)) / 8);
    const approx = remez(f, intervalsAroundIntegers(12, 2 ** -10), 30);
    const ints = randomReals(SLOTS, 61), offs = randomReals(SLOTS, 62);
    const ct = F.encrypt(ints.map((v, i) => Math.round(12 * v) + offs[i]! * 2 ** -10));
    const x = F.decrypt(ct).re;
    const out = PE.evaluate(ct, { basis: 'chebyshev', coefficients: approx.coefficients, interval: approx.interval });
    expect(ct.level - out.level).toBe(6);
    const got = F.decrypt(out);
    expect(maxError(got, x.map((v) => evaluateChebyshev(approx.coefficients, v, approx.interval)))).toBeLessThan(tol(6));
    expect(maxError(got, x.map(f))).toBeLessThan(tol(6) + approx.maxError);
  });
});

describe('errors (small insecure N = 2^10)', () => {
  it('DEPTH_EXHAUSTED when the ciphertext has too few levels (the interval map counted)', () => {
    const low = F.encrypt(randomReals(SLOTS, 71), 5);
    const expectDepth = (fn: () => unknown) => {
      expectCkksError(fn, 'DEPTH_EXHAUSTED');
    };
    expectDepth(() => PE.evaluate(low, { basis: 'chebyshev', coefficients: coefficients(63, 1) }));
    expectDepth(() => PE.evaluate(low, { basis: 'chebyshev', coefficients: coefficients(31, 1), interval: [-3, 3] }));
    expect(PE.evaluate(low, { basis: 'chebyshev', coefficients: coefficients(31, 1) }).level).toBe(0);
  });

  it('argument validation: TypeError / RangeError', () => {
    const ct = F.encrypt(randomReals(SLOTS, 72));
    const bad = (p: unknown) => () => PE.evaluate(ct, p as Polynomial);
    expect(bad({ basis: 'legendre', coefficients: [1, 2] })).toThrow(TypeError);
    expect(bad({ basis: 'monomial', coefficients: [] })).toThrow(RangeError);
    expect(bad({ basis: 'monomial', coefficients: [1, Number.NaN] })).toThrow(RangeError);
    expect(bad({ basis: 'monomial', coefficients: [1, 2], interval: [-1, 1] })).toThrow(TypeError);
    expect(bad({ basis: 'chebyshev', coefficients: [1, 2], interval: [1, -1] })).toThrow(RangeError);
    expect(bad(null)).toThrow(TypeError);
    expect(() => PE.evaluate(ct, { basis: 'monomial', coefficients: [0, 1] }, { targetScale: 0.5 })).toThrow(RangeError);
    expect(() => PE.evaluate({} as Ciphertext, { basis: 'monomial', coefficients: [0, 1] })).toThrow(TypeError);
    expect(() => PE.evaluate(F.evaluator.mulNoRelin(ct, ct), { basis: 'monomial', coefficients: [0, 1] })).toThrow(RangeError);
    expect(() => new PolynomialEvaluator(F.evaluator).evaluatePerSlot(ct, { basis: 'monomial', coefficients: [[1, 2], 1] })).toThrow(TypeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [new Float64Array(SLOTS + 1), 1] })).toThrow(RangeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [[1, Infinity], 1] })).toThrow(RangeError);
  });

  it('an input scale far above the primes is DEPTH_EXHAUSTED (the scales of the powers would outgrow the modulus)', () => {
    const ct = F.encrypt(randomReals(SLOTS, 73), 8, 2 ** 55); // Δ = 2^55 with 45-bit primes: T_32 would need 2^365
    expectCkksError(() => PE.evaluate(ct, { basis: 'chebyshev', coefficients: coefficients(63, 2) }), 'DEPTH_EXHAUSTED');
  });
});
