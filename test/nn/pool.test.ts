// Average pooling against naive window sums written here; adaptive pooling against PyTorch's documented
// bin rule (start = ⌊i·H/oh⌋, end = ⌈(i+1)·H/oh⌉). Tolerance: 1e-12 relative.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adaptiveAvgPool2d, avgPool2d, tensor3 } from '../../src/nn/index.js';

const data = (n: number) => fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));

describe('average pooling', () => {
  it('avgPool2d equals the mean of each window', () => {
    fc.assert(
      fc.property(
        fc.record({ c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }), k: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: 1, max: 3 }) })
          .filter((p) => p.k <= p.h && p.k <= p.w)
          .chain((p) => fc.record({ p: fc.constant(p), x: data(p.c * p.h * p.w) })),
        ({ p, x }) => {
          const out = avgPool2d(tensor3(p.c, p.h, p.w, x), p.k, p.s);
          const oh = Math.floor((p.h - p.k) / p.s) + 1;
          const ow = Math.floor((p.w - p.k) / p.s) + 1;
          expect([out.h, out.w]).toEqual([oh, ow]);
          for (let c = 0; c < p.c; c++)
            for (let i = 0; i < oh; i++)
              for (let j = 0; j < ow; j++) {
                let s = 0;
                for (let a = 0; a < p.k; a++) for (let b = 0; b < p.k; b++) s += x[(c * p.h + i * p.s + a) * p.w + j * p.s + b]!;
                expect(Math.abs(out.data[(c * oh + i) * ow + j]! - s / (p.k * p.k))).toBeLessThanOrEqual(1e-12 * 5);
              }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('adaptiveAvgPool2d follows the PyTorch bin rule and equals 4×4 windows for 8×8 → 2×2', () => {
    fc.assert(
      fc.property(
        fc.record({ c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 10 }), w: fc.integer({ min: 1, max: 10 }), oh: fc.integer({ min: 1, max: 4 }), ow: fc.integer({ min: 1, max: 4 }) })
          .chain((p) => fc.record({ p: fc.constant(p), x: data(p.c * p.h * p.w) })),
        ({ p, x }) => {
          const out = adaptiveAvgPool2d(tensor3(p.c, p.h, p.w, x), p.oh, p.ow);
          for (let c = 0; c < p.c; c++)
            for (let i = 0; i < p.oh; i++)
              for (let j = 0; j < p.ow; j++) {
                let s = 0;
                let n = 0;
                for (let y = Math.floor((i * p.h) / p.oh); y < Math.ceil(((i + 1) * p.h) / p.oh); y++)
                  for (let xx = Math.floor((j * p.w) / p.ow); xx < Math.ceil(((j + 1) * p.w) / p.ow); xx++) {
                    s += x[(c * p.h + y) * p.w + xx]!;
                    n++;
                  }
                expect(Math.abs(out.data[(c * p.oh + i) * p.ow + j]! - s / n)).toBeLessThanOrEqual(1e-12 * 5);
              }
        },
      ),
      { numRuns: 150 },
    );
    const x = tensor3(2, 8, 8, Float64Array.from({ length: 128 }, (_, i) => Math.sin(i)));
    const a = adaptiveAvgPool2d(x, 2);
    const b = avgPool2d(x, 4);
    a.data.forEach((v, i) => expect(Math.abs(v - b.data[i]!)).toBeLessThanOrEqual(1e-15));
  });
});
