// Samplers with a seeded ChaCha20 source; each statistical check states its tolerance (≥ 5σ of the
// estimator, so a correct sampler fails with probability < 1e-6 per check, and the seeds are fixed anyway).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRandom, systemRandom } from '../../src/ckks/ring/randomSource.js';
import { sampleGaussian, sampleTernaryHammingWeight, sampleTernaryUniform, sampleUniformModQ, smallToResidues } from '../../src/ckks/ring/sampling.js';

const seed = (n: number) => { const s = new Uint8Array(32); s[0] = n & 255; s[1] = n >> 8; return s; };

describe('uniform mod q (rejection sampling)', () => {
  it('all values < q for small, mid and ~2^61/2^62 moduli', () => {
    for (const q of [2n, 3n, 97n, 65537n, (1n << 61n) - 1n, 4611686018427387847n]) {
      const out = new BigUint64Array(20000);
      sampleUniformModQ(q, out, seededRandom(seed(1)));
      for (const v of out) expect(v < q).toBe(true);
    }
  });
  it('chi-square over q = 97 buckets is within the 1e-6 tail (χ² < 180 for 96 d.o.f.)', () => {
    const q = 97n, n = 97 * 2000, out = new BigUint64Array(n);
    sampleUniformModQ(q, out, seededRandom(seed(2)));
    const counts = new Array<number>(97).fill(0);
    for (const v of out) counts[Number(v)]!++;
    const expected = n / 97;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(180);
  });
  it('mean of a 61-bit modulus is q/2 within 5σ (σ = q/√(12n))', () => {
    const q = (1n << 61n) - 1n, n = 100000, out = new BigUint64Array(n);
    sampleUniformModQ(q, out, seededRandom(seed(3)));
    let mean = 0;
    for (const v of out) mean += Number(v) / n;
    const qf = Number(q);
    expect(Math.abs(mean - qf / 2)).toBeLessThan((5 * qf) / Math.sqrt(12 * n));
  });
});

describe('ternary samplers', () => {
  it('uniform ternary: each value has frequency 1/3 ± 1% over 3·10^5 samples', () => {
    const t = sampleTernaryUniform(300000, seededRandom(seed(4)));
    for (const v of [-1, 0, 1]) {
      const f = t.filter((x) => x === v).length / t.length;
      expect(Math.abs(f - 1 / 3)).toBeLessThan(0.01);
    }
    expect(t.every((x) => x >= -1 && x <= 1)).toBe(true);
  });
  it('Hamming weight: exactly h non-zero ±1 entries, for any (N, h) including 0 and N', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4096 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (N, frac, s) => {
      const h = Math.round(N * frac);
      const t = sampleTernaryHammingWeight(N, h, seededRandom(seed(s)));
      expect(t.length).toBe(N);
      expect(t.filter((x) => x !== 0).length).toBe(h);
      expect(t.every((x) => x === 0 || x === 1 || x === -1)).toBe(true);
    }), { numRuns: 100 });
  });
  it('Hamming weight h = 192 at N = 2^12 hits both end positions over many draws, signs balanced (±5σ)', () => {
    const N = 4096;
    let first = 0, last = 0, plus = 0, total = 0;
    for (let r = 0; r < 300; r++) {
      const t = sampleTernaryHammingWeight(N, 192, seededRandom(seed(100 + r)));
      if (t[0] !== 0) first++;
      if (t[N - 1] !== 0) last++;
      for (const x of t) if (x !== 0) { total++; if (x === 1) plus++; }
    }
    expect(first).toBeGreaterThan(0);
    expect(last).toBeGreaterThan(0);
    expect(Math.abs(plus / total - 0.5)).toBeLessThan(5 * 0.5 / Math.sqrt(total));
  });
  it('rejects h outside [0, N]', () => {
    expect(() => sampleTernaryHammingWeight(16, 17, systemRandom)).toThrow(RangeError);
    expect(() => sampleTernaryHammingWeight(16, -1, systemRandom)).toThrow(RangeError);
  });
});

describe('Gaussian error (σ = 3.2, bound 6σ)', () => {
  it('std within 2% of 3.2, mean within 0.03, max |e| ≤ 19', () => {
    const e = sampleGaussian(200000, 3.2, 19.2, seededRandom(seed(5)));
    let mean = 0, sq = 0, max = 0;
    for (const x of e) { mean += x; sq += x * x; max = Math.max(max, Math.abs(x)); }
    mean /= e.length;
    // rounding adds variance 1/12: σ_rounded² = 3.2² + 1/12
    const std = Math.sqrt(sq / e.length - mean * mean);
    expect(Math.abs(std - Math.sqrt(3.2 ** 2 + 1 / 12)) / 3.2).toBeLessThan(0.02);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(max).toBeLessThanOrEqual(19);
  });
});

describe('determinism and system randomness', () => {
  it('same seed → same output; different seed → different output', () => {
    const a = sampleTernaryUniform(1000, seededRandom(seed(7)));
    const b = sampleTernaryUniform(1000, seededRandom(seed(7)));
    const c = sampleTernaryUniform(1000, seededRandom(seed(8)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
  it('systemRandom fills more than 64 KiB (looped getRandomValues) and is not constant', () => {
    const buf = new Uint8Array(100000);
    systemRandom.fillBytes(buf);
    expect(new Set(buf).size).toBeGreaterThan(200);
    expect(buf.subarray(70000).some((x) => x !== 0)).toBe(true);
  });
  it('smallToResidues maps negatives to q − |c|', () => {
    const out = new BigUint64Array(4);
    smallToResidues(Int32Array.from([0, 1, -1, -19]), 97n, out);
    expect(Array.from(out)).toEqual([0n, 1n, 96n, 78n]);
  });
});
