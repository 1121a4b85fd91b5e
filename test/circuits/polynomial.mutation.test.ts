// Homomorphic polynomial evaluation at a small insecure size (N = 2^5, 16 slots, Δ = 2^40, seven 40-bit levels)
// so that mutation testing can re-run it per mutant: every degree 1 … 31 in both bases, interval maps, target
// scales, per-slot coefficients, the power basis itself, and every argument check — against float64 references
// written here (Chebyshev three-term recurrence, Horner), not the library's float64 tools.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Polynomial, PolynomialEvaluator, PowerBasis, intervalMapDepth, optimalSplit, polynomialDepth,
} from '../../src/ckks/circuits/polynomial/index.js';
import { atLevel, bitLength, ceilLog2, pinScale } from '../../src/ckks/circuits/polynomial/powerBasis.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { type Fixture, fixture, maxError, randomReals } from '../scheme/helpers.js';

const SLOTS = 16;
const LIT = { logN: 5, logQ: [55, 40, 40, 40, 40, 40, 40, 40], logP: [60, 60], logDefaultScale: 40 };
/** Tolerance for a result `depth` levels below a fresh input (Δ = 2^40; noise ≈ 2^-30, about a bit per level). */
const tol = (depth: number) => 2 ** (depth - 24);

/** Σ c_j T_j(t), t = (2x − a − b)/(b − a), by the three-term recurrence (test-side reference). */
function chebyshev(c: ArrayLike<number>, x: number, [a, b]: readonly [number, number] = [-1, 1]): number {
  const t = (2 * x - a - b) / (b - a);
  let prev = 1, cur = t, sum = c[0]!;
  for (let j = 1; j < c.length; j++) {
    sum += c[j]! * cur;
    [prev, cur] = [cur, 2 * t * cur - prev];
  }
  return sum;
}
const horner = (c: ArrayLike<number>, x: number) => {
  let acc = 0;
  for (let j = c.length - 1; j >= 0; j--) acc = acc * x + c[j]!;
  return acc;
};
const coefficients = (d: number, seed: number) => randomReals(d + 1, seed).map((v, j) => v / (j + 1));

let F: Fixture;
let PE: PolynomialEvaluator;
beforeAll(() => {
  F = fixture(LIT, 5);
  PE = new PolynomialEvaluator(F.evaluator, F.encoder);
});

/** Encrypts K·uniform[−1, 1]; the reference uses the decrypted input. */
function input(K: number, seed: number, level?: number, scale?: number): { ct: Ciphertext; x: Float64Array } {
  const ct = F.encrypt(randomReals(SLOTS, seed).map((v) => v * K), level, scale);
  return { ct, x: F.decrypt(ct).re };
}

describe('scalar polynomials vs float64 (N = 2^5)', () => {
  it('Chebyshev and monomial bases, every degree 1 … 31: exact depth ⌈log2(d + 1)⌉, scale unchanged, error < tol', () => {
    for (const basis of ['chebyshev', 'monomial'] as const) {
      for (let d = 1; d <= 31; d++) {
        const c = coefficients(d, 100 * d + (basis === 'monomial' ? 1 : 0));
        const { ct, x } = input(1, d);
        const out = PE.evaluate(ct, { basis, coefficients: c });
        const depth = Math.ceil(Math.log2(d + 1));
        expect(ct.level - out.level, `${basis} ${d}`).toBe(depth);
        expect(out.scale).toBe(ct.scale);
        const want = x.map((v) => (basis === 'chebyshev' ? chebyshev(c, v) : horner(c, v)));
        expect(maxError(F.decrypt(out), want), `${basis} degree ${d}`).toBeLessThan(tol(depth));
      }
    }
  });
  it('intervals: free map when 2/(b − a) is an integer (also with a = −b and with 2/(b − a) = 1), one level otherwise', () => {
    const cases: [[number, number], number][] = [[[0, 1], 0], [[-0.5, 0.5], 0], [[1, 3], 0], [[-3, 5], 1], [[-4, 4], 1], [[2, 2.5], 0]];
    for (const [iv, extra] of cases) {
      const c = coefficients(7, 7);
      const p: Polynomial = { basis: 'chebyshev', coefficients: c, interval: iv };
      expect(intervalMapDepth(iv)).toBe(extra);
      expect(polynomialDepth(p)).toBe(3 + extra);
      const { ct, x } = input(1, 31);
      const xs = x.map((v) => iv[0] + ((v + 1) / 2) * (iv[1] - iv[0])); // inputs inside [a, b]
      const ct2 = F.encrypt(xs);
      const xin = F.decrypt(ct2).re;
      const out = PE.evaluate(ct2, p);
      expect(ct.level - out.level).toBe(3 + extra);
      expect(out.scale).toBe(ct2.scale);
      expect(maxError(F.decrypt(out), xin.map((v) => chebyshev(c, v, iv))), `[${iv}]`).toBeLessThan(tol(4) * 4);
    }
    expect(intervalMapDepth([-1, 1])).toBe(0);
    expect(intervalMapDepth(undefined)).toBe(0);
    expect(intervalMapDepth([0, 2 ** -20])).toBe(1); // 2/(b − a) = 2^21 > 2^20
    expect(intervalMapDepth([0, 2 ** -19])).toBe(0); // 2^20 exactly
  });
  it('targetScale: the result has exactly the requested scale; non-numbers, < 1, NaN and ∞ are refused', () => {
    const c = coefficients(5, 9);
    const { ct, x } = input(1, 41);
    for (const target of [2 ** 35, 2 ** 41, 1.5 * 2 ** 38]) {
      const out = PE.evaluate(ct, { basis: 'chebyshev', coefficients: c }, { targetScale: target });
      expect(out.scale).toBe(target);
      expect(maxError(F.decrypt(out), x.map((v) => chebyshev(c, v)))).toBeLessThan(tol(3) * 2 ** 5);
    }
    for (const t of [0.5, 0, -1, NaN, Infinity]) expect(() => PE.evaluate(ct, { basis: 'monomial', coefficients: c }, { targetScale: t })).toThrow(RangeError);
    expect(() => PE.evaluate(ct, { basis: 'monomial', coefficients: c }, { targetScale: '1' as unknown as number })).toThrow(RangeError);
    expect(() => PE.evaluate(ct, { basis: 'monomial', coefficients: c }, null as unknown as object)).toThrow(TypeError);
    expect(PE.evaluate(ct, { basis: 'monomial', coefficients: [0.5] }, { targetScale: 1 }).scale).toBe(1); // 1 is allowed
  });
  it('an input scale that is not a power of two keeps its exact value', () => {
    const { ct, x } = input(1, 43, undefined, 3 * 2 ** 38);
    const c = coefficients(9, 10);
    const out = PE.evaluate(ct, { basis: 'chebyshev', coefficients: c });
    expect(out.scale).toBe(3 * 2 ** 38);
    expect(maxError(F.decrypt(out), x.map((v) => chebyshev(c, v)))).toBeLessThan(tol(4));
  });
  it('constants and trailing zeros: depth of the effective degree, value and scale exact', () => {
    const { ct, x } = input(1, 47);
    const k = PE.evaluate(ct, { basis: 'chebyshev', coefficients: [0.625, 0, 0, 0] });
    expect([k.level, k.scale]).toEqual([ct.level, ct.scale]);
    expect(maxError(F.decrypt(k), x.map(() => 0.625))).toBeLessThan(tol(0));
    const z = PE.evaluate(ct, { basis: 'monomial', coefficients: [0, 0] }, { targetScale: 2 ** 30 });
    expect([z.level, z.scale]).toEqual([ct.level, 2 ** 30]);
    expect(maxError(F.decrypt(z), x.map(() => 0))).toBeLessThan(tol(0));
    const lin = PE.evaluate(ct, { basis: 'monomial', coefficients: [0.25, -0.5, 0, 0, 0] });
    expect(ct.level - lin.level).toBe(1);
    expect(maxError(F.decrypt(lin), x.map((v) => 0.25 - 0.5 * v))).toBeLessThan(tol(1));
    expect(polynomialDepth({ basis: 'monomial', coefficients: [1, 2, 0, 0] })).toBe(1);
    expect(polynomialDepth({ basis: 'monomial', coefficients: [3] })).toBe(0);
    expect(polynomialDepth({ basis: 'chebyshev', coefficients: [0, 0, 0] })).toBe(0);
    expect(polynomialDepth({ basis: 'chebyshev', coefficients: [0, 0, 1], interval: [-3, 5] })).toBe(3);
  });
  it('sparse polynomials (only odd or a single high term) and inputs below the top level', () => {
    const odd = Float64Array.from({ length: 16 }, (_, j) => (j % 2 === 1 ? 1 / j : 0));
    const single = new Float64Array(17);
    single[16] = 0.5;
    for (const [c, basis] of [[odd, 'chebyshev'], [single, 'chebyshev'], [odd, 'monomial']] as const) {
      const { ct, x } = input(1, 53, 6);
      const out = PE.evaluate(ct, { basis, coefficients: c });
      const depth = Math.ceil(Math.log2(c.length));
      expect(ct.level - out.level).toBe(depth);
      expect(maxError(F.decrypt(out), x.map((v) => (basis === 'chebyshev' ? chebyshev(c, v) : horner(c, v))))).toBeLessThan(tol(depth));
    }
  });
});

describe('per-slot polynomials (N = 2^5)', () => {
  it('vector and number coefficients mixed, short vectors zero-padded, both bases and an interval', () => {
    const a0 = randomReals(SLOTS, 61), a1 = randomReals(SLOTS - 5, 62), a3 = randomReals(SLOTS, 63);
    const { ct, x } = input(1, 64);
    for (const basis of ['monomial', 'chebyshev'] as const) {
      const out = PE.evaluatePerSlot(ct, { basis, coefficients: [a0, a1, 0.5, a3] });
      expect(ct.level - out.level).toBe(2);
      const want = x.map((v, i) => {
        const c = [a0[i]!, a1[i] ?? 0, 0.5, a3[i]!];
        return basis === 'monomial' ? horner(c, v) : chebyshev(c, v);
      });
      expect(maxError(F.decrypt(out), want)).toBeLessThan(tol(2) * 4);
    }
    const iv: [number, number] = [-2, 2];
    const xs = F.encrypt(x.map((v) => 2 * v));
    const xin = F.decrypt(xs).re;
    const out = PE.evaluatePerSlot(xs, { basis: 'chebyshev', coefficients: [a0, 1, a3], interval: iv });
    expect(maxError(F.decrypt(out), xin.map((v, i) => chebyshev([a0[i]!, 1, a3[i]!], v, iv)))).toBeLessThan(tol(3) * 4);
    // uniform vectors behave as numbers
    const u = PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [new Float64Array(SLOTS).fill(0.5), 2] });
    expect(maxError(F.decrypt(u), x.map((v) => 0.5 + 2 * v))).toBeLessThan(tol(1));
    expect(polynomialDepth({ basis: 'monomial', coefficients: [a0, 0, 1] })).toBe(2);
    expect(polynomialDepth({ basis: 'monomial', coefficients: [a0, new Float64Array(3)] })).toBe(0);
  });
  it('argument checks: an encoder is needed; a non-empty array of numbers or vectors of finite numbers no longer than the slots', () => {
    const { ct } = input(1, 65);
    expect(() => new PolynomialEvaluator(F.evaluator).evaluatePerSlot(ct, { basis: 'monomial', coefficients: [1, 2] })).toThrow(TypeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [] })).toThrow(RangeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: 'ab' as unknown as number[] })).toThrow(TypeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [1, new Float64Array(SLOTS + 1)] })).toThrow(RangeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [1, Infinity] })).toThrow(RangeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [1, [1, NaN]] })).toThrow(RangeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [1, ['1'] as unknown as number[]] })).toThrow(RangeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [1, {} as unknown as number[]] })).toThrow(TypeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [1, null as unknown as number[]] })).toThrow(TypeError);
    expect(() => PE.evaluatePerSlot(ct, null as unknown as Polynomial & { coefficients: number[] })).toThrow(TypeError);
    expect(() => PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [1, 2], interval: [0, 1] })).toThrow(TypeError);
    expect(PE.evaluatePerSlot(ct, { basis: 'monomial', coefficients: [1, new Float64Array(SLOTS)] }).level).toBe(ct.level);
  });
});

describe('argument checks and refusals of evaluate', () => {
  it('TypeError for malformed polynomials and inputs, RangeError for degree-2 inputs', () => {
    const { ct } = input(1, 71);
    for (const p of [null, 3, { basis: 'power', coefficients: [1, 2] }, { basis: 'monomial', coefficients: 5 }, { basis: 'monomial', coefficients: [1, '2'] }] as unknown[]) {
      expect(() => PE.evaluate(ct, p as Polynomial)).toThrow(TypeError);
    }
    expect(() => PE.evaluate(ct, { basis: 'monomial', coefficients: [] })).toThrow(RangeError);
    expect(() => PE.evaluate(ct, { basis: 'monomial', coefficients: [1, NaN] })).toThrow(RangeError);
    expect(() => PE.evaluate(ct, { basis: 'monomial', coefficients: [1, 2], interval: [0, 1] } as unknown as Polynomial)).toThrow(TypeError);
    for (const iv of [[1, 0], [0, 0], [0, Infinity], [0], [0, 1, 2]] as unknown[]) {
      expect(() => PE.evaluate(ct, { basis: 'chebyshev', coefficients: [1, 2], interval: iv as [number, number] })).toThrow(iv instanceof Array && iv.length === 2 ? RangeError : TypeError);
    }
    expect(() => PE.evaluate(ct.parts[0] as unknown as Ciphertext, { basis: 'monomial', coefficients: [1, 2] })).toThrow(TypeError);
    expect(() => PE.evaluate(F.evaluator.mulNoRelin(ct, ct), { basis: 'monomial', coefficients: [1, 2] })).toThrow(RangeError);
    expect(() => new PolynomialEvaluator(null as unknown as Evaluator)).toThrow(TypeError);
    expect(() => new PolynomialEvaluator({} as Evaluator)).toThrow(TypeError);
  });
  it('DEPTH_EXHAUSTED exactly when the input has fewer levels than the depth (the interval map counted)', () => {
    const c = coefficients(7, 3); // depth 3
    expectCkksError(() => PE.evaluate(input(1, 72, 2).ct, { basis: 'chebyshev', coefficients: c }), 'DEPTH_EXHAUSTED');
    expect(PE.evaluate(input(1, 73, 3).ct, { basis: 'chebyshev', coefficients: c }).level).toBe(0);
    expectCkksError(() => PE.evaluate(input(1, 74, 3).ct, { basis: 'chebyshev', coefficients: c, interval: [-3, 5] }), 'DEPTH_EXHAUSTED');
    expect(PE.evaluate(input(1, 75, 4).ct, { basis: 'chebyshev', coefficients: c, interval: [-3, 5] }).level).toBe(0);
  });
  it('MISSING_KEY without a relinearisation key', () => {
    const bare = new PolynomialEvaluator(new Evaluator(F.ctx), F.encoder);
    expectCkksError(() => bare.evaluate(input(1, 76).ct, { basis: 'monomial', coefficients: [0, 0, 1] }), 'MISSING_KEY');
  });
});

describe('PowerBasis and helpers', () => {
  it('T_i and x^i at level top − ⌈log2 i⌉, memoised, vs float64', () => {
    for (const basis of ['chebyshev', 'monomial'] as const) {
      const { ct, x } = input(1, 81);
      const pb = new PowerBasis(F.evaluator, ct, basis);
      expect(pb.size).toBe(1);
      expect(pb.get(1)).toBe(ct);
      for (let i = 1; i <= 24; i++) {
        const p = pb.get(i);
        expect(p.level, `${basis} ${i}`).toBe(ct.level - Math.ceil(Math.log2(i)));
        expect(pb.levelOf(i)).toBe(p.level);
        const want = x.map((v) => (basis === 'chebyshev' ? Math.cos(i * Math.acos(v)) : v ** i));
        expect(maxError(F.decrypt(p), want), `${basis} ${i}`).toBeLessThan(tol(5) * 4);
        expect(pb.get(i)).toBe(p);
      }
      expect(pb.size).toBe(24);
      for (const i of [0, -1, 1.5]) expect(() => pb.get(i)).toThrow(RangeError);
      expectCkksError(() => new PowerBasis(F.evaluator, F.evaluator.dropLevels(ct, 5), basis).get(5), 'DEPTH_EXHAUSTED');
      expect(new PowerBasis(F.evaluator, F.evaluator.dropLevels(ct, 5), basis).get(4).level).toBe(0);
    }
  });
  it('a power whose scale would leave under 2 bits of headroom is DEPTH_EXHAUSTED, even when the product itself fit', () => {
    // input scale s with s² = 2^(log Q_7 − 1.5): the product passes the modulus check (needs log Q_7 − 0.5 bits),
    // but after the rescale by q_7 its scale is within 1.5 bits of Q_6
    const logQ7 = F.ctx.params.Q.reduce((a, q) => a + Math.log2(Number(q)), 0);
    const s = 2 ** ((logQ7 - 1.5) / 2);
    for (const basis of ['chebyshev', 'monomial'] as const) {
      const { ct } = input(1, 83, 7, s);
      expectCkksError(() => new PowerBasis(F.evaluator, ct, basis).get(2), 'DEPTH_EXHAUSTED');
    }
    const ok = input(1, 84, 7, 2 ** ((logQ7 - 3) / 2)).ct; // 3 bits of headroom: accepted
    expect(new PowerBasis(F.evaluator, ok, 'chebyshev').get(2).level).toBe(6);
  });
  it('ceilLog2, bitLength, optimalSplit against their definitions', () => {
    for (let i = 1; i <= 300; i++) {
      expect(ceilLog2(i)).toBe(Math.ceil(Math.log2(i)));
      expect(bitLength(i)).toBe(Math.floor(Math.log2(i)) + 1);
    }
    expect([ceilLog2(0), bitLength(0), bitLength(-3)]).toEqual([0, 0, 0]);
    for (let m = 1; m <= 12; m++) {
      let best = 1, cost = Infinity;
      for (let l = 1; l < Math.max(2, m); l++) {
        const c = 2 ** l + 2 ** (m - l) + m - l;
        if (c < cost) { cost = c; best = l; }
      }
      expect(optimalSplit(m), `m = ${m}`).toBe(best);
    }
  });
  it('pinScale accepts a relative difference below 2^-40 (and sets the scale exactly), refuses more; atLevel', () => {
    const { ct } = input(1, 85);
    const c = ct.clone();
    c.scale = ct.scale * (1 + 2 ** -42);
    expect(pinScale(c, ct.scale).scale).toBe(ct.scale);
    c.scale = ct.scale * (1 - 2 ** -42);
    expect(pinScale(c, ct.scale).scale).toBe(ct.scale);
    for (const f of [1 + 2 ** -38, 1 - 2 ** -38, 2]) {
      c.scale = ct.scale * f;
      expectCkksError(() => pinScale(c, ct.scale), 'SCALE_MISMATCH');
    }
    expect(atLevel(F.evaluator, ct, ct.level)).toBe(ct);
    expect(atLevel(F.evaluator, ct, 2).level).toBe(2);
    expectCkksError(() => atLevel(F.evaluator, F.evaluator.dropLevels(ct, 3), ct.level), 'DEPTH_EXHAUSTED');
  });
});
