// BatchNorm folding helpers against direct evaluation written here: BN(x) = γ(x−μ)/√(σ²+ε) + β,
// BN after conv == conv with folded weights/bias, BN after linear == folded linear, input-channel scaling
// == scaling the input. Tolerance: 1e-12 relative to the output's max |value|.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bnToAffine, channelAffine3, conv2d, convWeight, foldBnIntoConv, foldBnIntoLinear, linear, matrix, scaleConvInputs, tensor3, vectorAffine,
} from '../../src/nn/index.js';

function rand(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}
const maxAbs = (a: ArrayLike<number>) => Math.max(1e-300, ...Array.from(a, Math.abs));
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  const s = maxAbs(want);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!) / s).toBeLessThanOrEqual(tol);
}

const shape = fc.record({ ci: fc.integer({ min: 1, max: 4 }), co: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 2, max: 7 }), k: fc.constantFrom(1, 3), stride: fc.constantFrom(1, 2), seed: fc.integer() });

describe('BatchNorm folding', () => {
  it('bnToAffine + channelAffine3 / vectorAffine equal the BN formula', () => {
    fc.assert(
      fc.property(shape, ({ co, h, seed }) => {
        const bn = { mean: rand(co, seed), variance: rand(co, seed + 1, 0.01, 3), weight: rand(co, seed + 2), bias: rand(co, seed + 3), eps: 1e-5 };
        const x = rand(co * h * h, seed + 4, -3, 3);
        const want = Float64Array.from(x, (v, i) => {
          const c = Math.floor(i / (h * h));
          return (bn.weight[c]! * (v - bn.mean[c]!)) / Math.sqrt(bn.variance[c]! + 1e-5) + bn.bias[c]!;
        });
        expectClose(channelAffine3(tensor3(co, h, h, x), bnToAffine(bn)).data, want);
        const v = rand(co, seed + 5, -3, 3);
        expectClose(vectorAffine(v, bnToAffine(bn)), Float64Array.from(v, (t, c) => (bn.weight[c]! * (t - bn.mean[c]!)) / Math.sqrt(bn.variance[c]! + 1e-5) + bn.bias[c]!));
      }),
      { numRuns: 100 },
    );
  });

  it('foldBnIntoConv: conv then BN == folded conv; scaleConvInputs == scaling the input channels', () => {
    fc.assert(
      fc.property(shape, ({ ci, co, h, k, stride, seed }) => {
        const w = convWeight(co, ci, k, rand(co * ci * k * k, seed));
        const bn = { mean: rand(co, seed + 1), variance: rand(co, seed + 2, 0.05, 2), weight: rand(co, seed + 3), bias: rand(co, seed + 4) };
        const x = tensor3(ci, h, h, rand(ci * h * h, seed + 5, -2, 2));
        const pad = Math.floor(k / 2);
        const ref = channelAffine3(conv2d(x, w, { stride, padding: pad }), bnToAffine(bn));
        const f = foldBnIntoConv(w, bn);
        expectClose(conv2d(x, f.weight, { stride, padding: pad, bias: f.bias }).data, ref.data, 1e-11);
        const s = rand(ci, seed + 6);
        const xs = channelAffine3(x, { scale: s, shift: new Float64Array(ci) });
        expectClose(conv2d(x, scaleConvInputs(w, s), { stride, padding: pad }).data, conv2d(xs, w, { stride, padding: pad }).data, 1e-11);
      }),
      { numRuns: 100 },
    );
  });

  it('foldBnIntoLinear: BN(A·x + b) == A′·x + b′', () => {
    fc.assert(
      fc.property(fc.record({ r: fc.integer({ min: 1, max: 6 }), c: fc.integer({ min: 1, max: 6 }), seed: fc.integer() }), ({ r, c, seed }) => {
        const A = rand(r * c, seed);
        const b = rand(r, seed + 1);
        const bn = { mean: rand(r, seed + 2), variance: rand(r, seed + 3, 0.05, 2) };
        const x = rand(c, seed + 4);
        const ref = vectorAffine(linear(matrix(r, c, A), x, b), bnToAffine(bn));
        const f = foldBnIntoLinear(A, r, b, bn);
        expectClose(linear(matrix(r, c, f.weight), x, f.bias), ref, 1e-11);
      }),
      { numRuns: 100 },
    );
  });
});
