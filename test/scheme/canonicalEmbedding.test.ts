// Canonical embedding vs direct evaluation: slot j must equal c(ξ^{5^j mod 4n}) computed term by term
// in float64 (O(n²) reference). Tolerance: 1e-9 relative to the vector's size (FFT rounding ~ n·log n·ε).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CanonicalEmbedding } from '../../src/ckks/scheme/canonicalEmbedding.js';

function directSlots(c: readonly number[], n: number): [number[], number[]] {
  const M = 4 * n;
  const re: number[] = [], im: number[] = [];
  let e = 1;
  for (let j = 0; j < n; j++) {
    let sr = 0, si = 0;
    for (let k = 0; k < 2 * n; k++) {
      const angle = (2 * Math.PI * ((e * k) % M)) / M;
      sr += c[k]! * Math.cos(angle);
      si += c[k]! * Math.sin(angle);
    }
    re.push(sr); im.push(si);
    e = (e * 5) % M;
  }
  return [re, im];
}

const arb = fc.integer({ min: 0, max: 8 }).chain((logn) => fc.tuple(
  fc.constant(1 << logn),
  fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 2 << logn, maxLength: 2 << logn }),
));

describe('canonical embedding (special FFT over the rotation group of 5)', () => {
  it('coefficientsToSlots equals direct evaluation at ξ^{5^j} (n = 1..256, tol 1e-9·(1+max|c|)·n)', () => {
    fc.assert(fc.property(arb, ([n, c]) => {
      const emb = new CanonicalEmbedding(n);
      const re = new Float64Array(n), im = new Float64Array(n);
      emb.coefficientsToSlots(c, re, im);
      const [dr, di] = directSlots(c, n);
      const tol = 1e-9 * (1 + Math.max(...c.map(Math.abs))) * n;
      for (let j = 0; j < n; j++) {
        expect(Math.abs(re[j]! - dr[j]!)).toBeLessThan(tol);
        expect(Math.abs(im[j]! - di[j]!)).toBeLessThan(tol);
      }
    }), { numRuns: 80 });
  });
  it('slotsToCoefficients is its inverse (round trip, tol 1e-9)', () => {
    fc.assert(fc.property(arb, ([n, c]) => {
      const emb = new CanonicalEmbedding(n);
      const re = new Float64Array(n), im = new Float64Array(n), back = new Float64Array(2 * n);
      emb.coefficientsToSlots(c, re, im);
      emb.slotsToCoefficients(re, im, back);
      const tol = 1e-9 * (1 + Math.max(...c.map(Math.abs)));
      for (let k = 0; k < 2 * n; k++) expect(Math.abs(back[k]! - c[k]!)).toBeLessThan(tol);
    }), { numRuns: 80 });
  });
  it('Y → Y^5 rotates the slots left by one', () => {
    const n = 16, M = 4 * n, emb = new CanonicalEmbedding(n);
    const c = Array.from({ length: 2 * n }, (_, k) => Math.sin(k + 1) * 3);
    // c(Y^5): coefficient k moves to 5k mod 2n·2 with sign (Y^{2n} = −1)
    const rotated = new Array<number>(2 * n).fill(0);
    for (let k = 0; k < 2 * n; k++) {
      const t = (5 * k) % M;
      if (t < 2 * n) rotated[t]! += c[k]!; else rotated[t - 2 * n]! -= c[k]!;
    }
    const [r0, i0] = [new Float64Array(n), new Float64Array(n)];
    const [r1, i1] = [new Float64Array(n), new Float64Array(n)];
    emb.coefficientsToSlots(c, r0, i0);
    emb.coefficientsToSlots(rotated, r1, i1);
    for (let j = 0; j < n; j++) {
      expect(r1[j]).toBeCloseTo(r0[(j + 1) % n]!, 9);
      expect(i1[j]).toBeCloseTo(i0[(j + 1) % n]!, 9);
    }
  });
});
