// conv2d against a naive nested-loop cross-correlation written here (PyTorch F.conv2d semantics),
// random shapes/strides/paddings via fast-check. Tolerance: 1e-12 relative to the output's max |value|.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { conv2d, convWeight, tensor3, type Tensor3 } from '../../src/nn/index.js';

function naiveConv(x: Tensor3, w: Float64Array, co: number, k: number, stride: number, pad: number, bias?: Float64Array): number[][][] {
  const oh = Math.floor((x.h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((x.w + 2 * pad - k) / stride) + 1;
  const out: number[][][] = [];
  for (let o = 0; o < co; o++) {
    const plane: number[][] = [];
    for (let y = 0; y < oh; y++) {
      const row: number[] = [];
      for (let xx = 0; xx < ow; xx++) {
        let s = bias ? bias[o]! : 0;
        for (let i = 0; i < x.c; i++)
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = y * stride + ky - pad;
              const ix = xx * stride + kx - pad;
              if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
              s += w[((o * x.c + i) * k + ky) * k + kx]! * x.data[(i * x.h + iy) * x.w + ix]!;
            }
        row.push(s);
      }
      plane.push(row);
    }
    out.push(plane);
  }
  return out;
}

const arb = fc
  .record({
    ci: fc.integer({ min: 1, max: 4 }),
    co: fc.integer({ min: 1, max: 4 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    k: fc.constantFrom(1, 3),
    stride: fc.constantFrom(1, 2),
    pad: fc.integer({ min: 0, max: 2 }),
    withBias: fc.boolean(),
    seed: fc.integer(),
  })
  .filter((p) => p.h + 2 * p.pad >= p.k && p.w + 2 * p.pad >= p.k);

function values(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

describe('conv2d', () => {
  it('matches a naive nested-loop convolution (tolerance 1e-12 relative)', () => {
    fc.assert(
      fc.property(arb, (p) => {
        const x = tensor3(p.ci, p.h, p.w, values(p.ci * p.h * p.w, p.seed));
        const w = values(p.co * p.ci * p.k * p.k, p.seed + 1);
        const bias = p.withBias ? values(p.co, p.seed + 2) : undefined;
        const got = conv2d(x, convWeight(p.co, p.ci, p.k, w), { stride: p.stride, padding: p.pad, ...(bias ? { bias } : {}) });
        const want = naiveConv(x, w, p.co, p.k, p.stride, p.pad, bias);
        expect([got.c, got.h, got.w]).toEqual([p.co, want[0]!.length, want[0]![0]!.length]);
        const flat = want.flat(2);
        const scale = Math.max(1e-300, ...flat.map(Math.abs));
        flat.forEach((v, i) => expect(Math.abs(got.data[i]! - v) / scale).toBeLessThanOrEqual(1e-12));
      }),
      { numRuns: 200 },
    );
  });

  it('uses "same" padding by default and rejects channel mismatches', () => {
    const x = tensor3(2, 5, 5, values(50, 3));
    expect(conv2d(x, convWeight(3, 2, 3, values(54, 4))).h).toBe(5);
    expect(() => conv2d(x, convWeight(3, 1, 3, values(27, 4)))).toThrow(RangeError);
  });
});
