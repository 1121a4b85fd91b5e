// Encoder round trips vs the float64 input, with the bound stated in encoder.ts:
// ‖decode(encode(z)) − z‖_∞ ≤ n/Δ + 2^-40·max|z| (rounding of 2n coefficients, FFT rounding).
// Small insecure parameters (N = 2^10 … 2^12) unless stated.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { CkksError } from '../../src/ckks/errors.js';
import { expectCkksError } from '../support/expectCkksError.js';

const ctx = new CkksContext({ logN: 10, logQ: [50, 40, 40], logP: [50], logDefaultScale: 40, insecure: true });
const encoder = new Encoder(ctx);

function maxError(aRe: ArrayLike<number>, aIm: ArrayLike<number>, bRe: ArrayLike<number>, bIm: ArrayLike<number>, n: number): number {
  let e = 0;
  for (let j = 0; j < n; j++) e = Math.max(e, Math.abs(aRe[j]! - bRe[j]!), Math.abs(aIm[j]! - bIm[j]!));
  return e;
}

const arb = fc.record({
  logSlots: fc.integer({ min: 0, max: 9 }),
  logScale: fc.integer({ min: 20, max: 45 }),
  level: fc.integer({ min: 0, max: 2 }),
  magnitude: fc.constantFrom(1, 100, 1e-3),
}).chain((r) => fc.tuple(fc.constant(r), fc.array(fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 1 << r.logSlots, maxLength: 1 << r.logSlots })));

describe('Encoder (small insecure N = 2^10)', () => {
  it('decode(encode(z)) ≈ z for complex vectors, any slot count, scale and level (bound n/Δ + 2^-40·max|z|)', () => {
    fc.assert(fc.property(arb, ([{ logSlots, logScale, level, magnitude }, values]) => {
      const n = 1 << logSlots;
      const re = values.map(([a]) => a * magnitude), im = values.map(([, b]) => b * magnitude);
      const scale = 2 ** logScale;
      if (level === 0 && Math.log2(magnitude) + logScale > 46) return; // would not fit in q_0 (50 bits): tested below
      const pt = encoder.encode({ re, im }, { slots: n, scale, level });
      expect(pt.level).toBe(level);
      expect(pt.scale).toBe(scale);
      const out = encoder.decode(pt);
      const bound = n / scale + 2 ** -40 * magnitude;
      expect(maxError(out.re, out.im, re, im, n)).toBeLessThanOrEqual(bound);
    }), { numRuns: 120 });
  });

  it('real vectors: imaginary parts decode to ≈ 0; short vectors are zero-padded', () => {
    const pt = encoder.encode([0.5, -0.25, 3], { slots: 8 });
    const { re, im } = encoder.decode(pt);
    const expected = [0.5, -0.25, 3, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) {
      expect(Math.abs(re[j]! - expected[j]!)).toBeLessThan(8 * 2 ** -40);
      expect(Math.abs(im[j]!)).toBeLessThan(8 * 2 ** -40);
    }
  });

  it('sparse packing spreads 2n coefficients with gap N/2n (others are zero)', () => {
    const pt = encoder.encode([1, 2, 3, 4], { slots: 4 });
    const poly = pt.poly.clone().toCoefficient();
    const gap = 1024 / 8;
    const limb = poly.limb(0);
    for (let i = 0; i < 1024; i++) if (i % gap !== 0) expect(limb[i]).toBe(0n);
  });

  it('large scale × value beyond 2^62 still encodes exactly (BigInt path)', () => {
    const big = new CkksContext({ logN: 10, logQ: [60, 60], logP: [60], logDefaultScale: 60, insecure: true });
    const enc = new Encoder(big);
    const pt = enc.encode([12.5, -7], { slots: 2, scale: 2 ** 60 });
    const { re } = enc.decode(pt);
    expect(Math.abs(re[0]! - 12.5)).toBeLessThan(1e-12);
    expect(Math.abs(re[1]! + 7)).toBeLessThan(1e-12);
    // 40·2^60 ≈ 2^65.3 does not fit in one 64-bit word: the BigInt path
    const constant = enc.decode(enc.encode([40, 40, 40, 40], { slots: 4, scale: 2 ** 60 })).re;
    for (const v of constant) expect(Math.abs(v - 40)).toBeLessThan(1e-12);
  });

  it('encode into an out plaintext: the same words and scale as a fresh encoding; a wrong level, slot count or type is refused', () => {
    const values = Float64Array.from({ length: 64 }, (_, i) => Math.sin(i));
    const want = encoder.encode(values, { slots: 64, level: 1, scale: 2 ** 30 });
    const out = encoder.encode(new Float64Array(64).fill(0.5), { slots: 64, level: 1 });
    expect(encoder.encode(values, { slots: 64, level: 1, scale: 2 ** 30 }, out)).toBe(out);
    expect([...out.poly.data]).toEqual([...want.poly.data]);
    expect(out.scale).toBe(2 ** 30);
    expect(out.poly.form).toBe('evaluation');
    expectCkksError(() => encoder.encode(values, { slots: 64, level: 2 }, out), 'LEVEL_MISMATCH');
    expectCkksError(() => encoder.encode(values, { slots: 128, level: 1 }, out), 'INCOMPATIBLE_PARAMETERS');
    expect(() => encoder.encode(values, { slots: 64, level: 1 }, {} as never)).toThrow(TypeError);
    expect([...out.poly.data]).toEqual([...want.poly.data]); // untouched by the refused calls
  });

  it('refuses bad input with RangeError/TypeError and overflowing messages with DEPTH_EXHAUSTED', () => {
    expect(() => encoder.encode([1, 2, 3], { slots: 2 })).toThrow(RangeError);
    expect(() => encoder.encode([1], { slots: 3 })).toThrow(RangeError);
    expect(() => encoder.encode([NaN])).toThrow(RangeError);
    expect(() => encoder.encode([1], { level: 3 })).toThrow(RangeError);
    expect(() => encoder.encode([1], { scale: 0 })).toThrow(RangeError);
    expect(() => encoder.encode(42 as unknown as number[])).toThrow(TypeError);
    try {
      encoder.encode([2 ** 20], { level: 0, scale: 2 ** 40 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CkksError);
      expect((e as CkksError).code).toBe('DEPTH_EXHAUSTED');
    }
  });
});
