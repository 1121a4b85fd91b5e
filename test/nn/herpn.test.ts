// HerPN: monic and general forms against per-element evaluation written here; the training-form fold
// (reference §2.3) against a direct evaluation of γ·[bn0(1)/√(2π) + bn1(x)/2 + bn2((x²−1)/√2)/√(4π)] + β
// with eval-mode BatchNorm. Tolerance: 1e-12 relative (absolute for values below 1).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { herpn, herpnFromTraining, herpnMonic, herpnToMonic, tensor3 } from '../../src/nn/index.js';

const close = (a: number, b: number, tol = 1e-12): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
const f64 = (n: number, min = -3, max = 3) => fc.array(fc.double({ min, max, noNaN: true }), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));

describe('HerPN', () => {
  it('monic and general forms evaluate the per-channel quadratic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((c) =>
          fc.record({ c: fc.constant(c), h: fc.integer({ min: 1, max: 4 }), a2: f64(c), a1: f64(c), a0: f64(c) }).chain((p) =>
            fc.record({ p: fc.constant(p), x: f64(p.c * p.h * 3) }),
          ),
        ),
        ({ p, x }) => {
          const t = tensor3(p.c, p.h, 3, x);
          const m = herpnMonic(t, p.a1, p.a0);
          const g = herpn(t, { a2: p.a2, a1: p.a1, a0: p.a0 });
          for (let c = 0; c < p.c; c++)
            for (let j = 0; j < p.h * 3; j++) {
              const v = x[c * p.h * 3 + j]!;
              close(m.data[c * p.h * 3 + j]!, v * v + p.a1[c]! * v + p.a0[c]!);
              close(g.data[c * p.h * 3 + j]!, p.a2[c]! * v * v + p.a1[c]! * v + p.a0[c]!);
            }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('training form folds to a2·x² + a1·x + a0, and the monic form times a2 is the same function', () => {
    fc.assert(
      fc.property(
        fc.record({
          gamma: fc.double({ min: 0.2, max: 2, noNaN: true }), beta: fc.double({ min: -1, max: 1, noNaN: true }),
          m0: fc.double({ min: 0.5, max: 1.5, noNaN: true }), v0: fc.double({ min: 0, max: 0.5, noNaN: true }),
          m1: fc.double({ min: -1, max: 1, noNaN: true }), v1: fc.double({ min: 0.1, max: 4, noNaN: true }),
          m2: fc.double({ min: -1, max: 1, noNaN: true }), v2: fc.double({ min: 0.1, max: 4, noNaN: true }),
          x: fc.double({ min: -4, max: 4, noNaN: true }),
        }),
        (p) => {
          const eps = 1e-5;
          const one = (v: number) => Float64Array.of(v);
          const k = herpnFromTraining({ gamma: one(p.gamma), beta: one(p.beta), mean0: one(p.m0), var0: one(p.v0), mean1: one(p.m1), var1: one(p.v1), mean2: one(p.m2), var2: one(p.v2) }, eps);
          const bn = (v: number, m: number, s: number) => (v - m) / Math.sqrt(s + eps);
          const direct = p.gamma * (bn(1, p.m0, p.v0) / Math.sqrt(2 * Math.PI) + bn(p.x, p.m1, p.v1) / 2 + bn((p.x * p.x - 1) / Math.SQRT2, p.m2, p.v2) / Math.sqrt(4 * Math.PI)) + p.beta;
          const folded = k.a2[0]! * p.x * p.x + k.a1[0]! * p.x + k.a0[0]!;
          close(folded, direct, 1e-11);
          const mon = herpnToMonic(k);
          close(k.a2[0]! * (p.x * p.x + mon.a1[0]! * p.x + mon.a0[0]!), direct, 1e-10);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects coefficient vectors of the wrong length', () => {
    expect(() => herpnMonic(tensor3(2, 1, 1, new Float64Array(2)), new Float64Array(1), new Float64Array(2))).toThrow(RangeError);
  });
});
