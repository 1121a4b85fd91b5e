// linear() against a naive dot-product loop written here; splitColumns blocks summed over their input
// slices equal the full product (the fusion layer's per-patch split, reference §2.4). Tolerance 1e-12 relative.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { linear, matrix, splitColumns } from '../../src/nn/index.js';

const vec = (n: number) => fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));

describe('linear', () => {
  it('matches a naive matrix-vector product, with and without bias', () => {
    fc.assert(
      fc.property(
        fc.record({ r: fc.integer({ min: 1, max: 8 }), c: fc.integer({ min: 1, max: 8 }) }).chain((s) => fc.record({ s: fc.constant(s), A: vec(s.r * s.c), x: vec(s.c), b: vec(s.r) })),
        ({ s, A, x, b }) => {
          const y = linear(matrix(s.r, s.c, A), x, b);
          const y0 = linear(matrix(s.r, s.c, A), x);
          for (let i = 0; i < s.r; i++) {
            let t = 0;
            for (let j = 0; j < s.c; j++) t += A[i * s.c + j]! * x[j]!;
            expect(Math.abs(y0[i]! - t)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(t)) * s.c);
            expect(Math.abs(y[i]! - t - b[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(t)) * s.c);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('sum over column blocks of A_i·x_i equals A·x', () => {
    fc.assert(
      fc.property(
        fc.record({ r: fc.integer({ min: 1, max: 5 }), blk: fc.integer({ min: 1, max: 4 }), L: fc.integer({ min: 1, max: 4 }) }).chain((s) =>
          fc.record({ s: fc.constant(s), A: vec(s.r * s.blk * s.L), x: vec(s.blk * s.L) }),
        ),
        ({ s, A, x }) => {
          const W = matrix(s.r, s.blk * s.L, A);
          const full = linear(W, x);
          const sum = new Float64Array(s.r);
          splitColumns(W, s.blk).forEach((B, i) => linear(B, x.subarray(i * s.blk, (i + 1) * s.blk)).forEach((v, k) => (sum[k] = sum[k]! + v)));
          full.forEach((v, k) => expect(Math.abs(v - sum[k]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)) * 16));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects mismatched shapes', () => {
    expect(() => linear(matrix(2, 3, new Float64Array(6)), new Float64Array(2))).toThrow(RangeError);
  });
});
