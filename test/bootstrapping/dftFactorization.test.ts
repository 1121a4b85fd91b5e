// The factorised homomorphic DFTs of bootstrapping, in float64, against independent references: the O(n²)
// definition z_j = Σ_k w_k·ξ^{k·5^j} (decodeDirect) and the library's encoder (CanonicalEmbedding), for every
// level budget 1 … log2(n), both layouts. Tolerance 1e-12·(1 + max|x|): the factorisation is exact algebra, so
// only float64 rounding remains (≈ 2^-52 per butterfly, log2(n) stages).
import { describe, expect, it } from 'vitest';
import {
  type ComplexArray, applyComplexDiagonals, bitReversed, coeffsToSlotsMatrices, decodeDirect, decodeStage,
  groupSizes, slotsToCoeffsMatrices,
} from '../../src/ckks/circuits/bootstrapping/dftFactorization.js';
import { CanonicalEmbedding } from '../../src/ckks/scheme/canonicalEmbedding.js';
import { randomReals } from '../scheme/helpers.js';

function randomComplex(n: number, seed: number): ComplexArray {
  return { re: randomReals(n, seed), im: randomReals(n, seed + 7919) };
}

function maxDiff(a: ComplexArray, b: ComplexArray): number {
  let e = 0;
  for (let i = 0; i < a.re.length; i++) e = Math.max(e, Math.abs(a.re[i]! - b.re[i]!), Math.abs(a.im[i]! - b.im[i]!));
  return e;
}

function apply(ms: ReturnType<typeof coeffsToSlotsMatrices>, x: ComplexArray): ComplexArray {
  return ms.reduce((v, m) => applyComplexDiagonals(m, v), x);
}

function concat(a: ComplexArray, b: ComplexArray): ComplexArray {
  return { re: Float64Array.from([...a.re, ...b.re]), im: Float64Array.from([...a.im, ...b.im]) };
}

describe('homomorphic DFT factorisation (float64)', () => {
  it('decodeDirect agrees with the encoder (CanonicalEmbedding.coefficientsToSlots) for n = 1 … 256', () => {
    for (let n = 1; n <= 256; n *= 2) {
      const c = randomReals(2 * n, n);
      const emb = new CanonicalEmbedding(n);
      const re = new Float64Array(n), im = new Float64Array(n);
      emb.coefficientsToSlots(c, re, im);
      const w = { re: c.slice(0, n), im: c.slice(n) };
      expect(maxDiff(decodeDirect(w), { re, im })).toBeLessThan(1e-12 * 2 * n);
    }
  });

  it('D_n ⋯ D_2 applied to bit-reversed w is V·w (every n = 2 … 512)', () => {
    for (let n = 2; n <= 512; n *= 2) {
      const w = randomComplex(n, 3 * n);
      let x = bitReversed(w);
      for (let len = 2; len <= n; len *= 2) x = applyComplexDiagonals({ slots: n, diagonals: decodeStage(n, len, n) }, x);
      expect(maxDiff(x, decodeDirect(w))).toBeLessThan(1e-12 * n);
    }
  });

  it('groupSizes: sums to the stage count, balanced, larger groups first for encode / last for decode', () => {
    expect(groupSizes(15, 4, 'encode')).toEqual([4, 4, 4, 3]);
    expect(groupSizes(15, 4, 'decode')).toEqual([3, 4, 4, 4]);
    expect(groupSizes(12, 3, 'encode')).toEqual([4, 4, 4]);
    expect(() => groupSizes(5, 6, 'encode')).toThrow(RangeError);
  });

  it('CoeffsToSlots (standard) maps V·w to scaling·R·w and SlotsToCoeffs maps it back, every level budget (n = 2 … 256)', () => {
    for (let n = 2; n <= 256; n *= 2) {
      const w = randomComplex(n, n + 1);
      const z = decodeDirect(w);
      for (let levels = 1; levels <= Math.log2(n); levels++) {
        const cts = coeffsToSlotsMatrices({ slots: n, levels, layout: 'standard', scaling: 0.375 });
        expect(cts.length).toBe(levels);
        const y = apply(cts, z);
        const want = bitReversed(w);
        want.re.forEach((v, i) => { want.re[i] = 0.375 * v; want.im[i] = 0.375 * want.im[i]!; });
        expect(maxDiff(y, want), `n = ${n}, levels = ${levels}`).toBeLessThan(1e-12 * n);
        const stc = slotsToCoeffsMatrices({ slots: n, levels, layout: 'standard', scaling: 1 / 0.375 });
        expect(maxDiff(apply(stc, y), z), `n = ${n}, levels = ${levels}`).toBeLessThan(1e-12 * n);
      }
    }
  });

  it('repack layout on 2n slots: CtS gives [R·w, −i·R·w] from [z, z]; StC gives [z, z] from [Re R·w, Im R·w]', () => {
    for (let n = 2; n <= 128; n *= 2) {
      const w = randomComplex(n, 5 * n);
      const z = decodeDirect(w);
      const bw = bitReversed(w);
      for (let levels = 1; levels <= Math.log2(n); levels++) {
        const y = apply(coeffsToSlotsMatrices({ slots: n, levels, layout: 'repack' }), concat(z, z));
        const minusI = { re: bw.im.slice(), im: bw.re.map((v) => -v) };
        expect(maxDiff(y, concat(bw, minusI)), `n = ${n}, levels = ${levels}`).toBeLessThan(1e-12 * n);
        // x + conj(x) = [2 Re R·w, 2 Im R·w]
        const split = { re: Float64Array.from([...bw.re, ...bw.im]), im: new Float64Array(2 * n) };
        const back = apply(slotsToCoeffsMatrices({ slots: n, levels, layout: 'repack' }), split);
        expect(maxDiff(back, concat(z, z)), `n = ${n}, levels = ${levels}`).toBeLessThan(1e-12 * n);
      }
    }
  });

  it('diagonal counts: a group of r stages has at most 2^{r+1} − 1 diagonals (n = 2^10, 3 levels)', () => {
    const n = 1024;
    for (const m of coeffsToSlotsMatrices({ slots: n, levels: 3, layout: 'standard' })) expect(m.diagonals.size).toBeLessThanOrEqual(2 ** 5 - 1);
    for (const m of slotsToCoeffsMatrices({ slots: n, levels: 3, layout: 'standard' })) expect(m.diagonals.size).toBeLessThanOrEqual(2 ** 5 - 1);
  });
});
