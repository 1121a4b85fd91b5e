// Random sources (src/ckks/ring/randomSource.ts) and samplers (src/ckks/ring/sampling.ts), driven by seeded
// ChaCha20 sources so every run sees the same numbers. Each statistical check states its tolerance; unless said
// otherwise it is ≥ 5 standard deviations of the estimator, or the ≈1e-6 upper quantile of the χ² law
// (Wilson–Hilferty), so a correct sampler would fail with probability < 1e-6 per check even with fresh seeds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RandomReader, type RandomSource, randomUint64, seededRandom, systemRandom } from '../../src/ckks/ring/randomSource.js';
import {
  sampleGaussian, sampleTernaryHammingWeight, sampleTernaryUniform, sampleUniformModQ, smallToResidues,
} from '../../src/ckks/ring/sampling.js';

/** A 32-byte seed numbered n. */
function seed(n: number): Uint8Array {
  const s = new Uint8Array(32);
  new DataView(s.buffer).setUint32(0, n, true);
  s[31] = 0x5a;
  return s;
}
const src = (n: number): RandomSource => seededRandom(seed(n));

/** Pearson's χ² statistic of observed counts against expected counts. */
function chiSquare(observed: ArrayLike<number>, expected: ArrayLike<number>): number {
  let chi2 = 0;
  for (let i = 0; i < observed.length; i++) chi2 += (observed[i]! - expected[i]!) ** 2 / expected[i]!;
  return chi2;
}

/** The documented uniform-mod-q rule, written with BigInt: blocks of max(64, 2r + 8) LE words, masked, kept if < q. */
function referenceUniform(q: bigint, n: number, source: RandomSource): BigUint64Array {
  const out = new BigUint64Array(n);
  const mask = (1n << BigInt((q - 1n).toString(2).length)) - 1n;
  let filled = 0;
  while (filled < n) {
    const words = Math.max(64, 2 * (n - filled) + 8);
    const block = new Uint8Array(8 * words);
    source.fillBytes(block);
    const view = new DataView(block.buffer);
    for (let i = 0; i < words && filled < n; i++) {
      const v = view.getBigUint64(8 * i, true) & mask;
      if (v < q) out[filled++] = v;
    }
  }
  return out;
}

/** erf (Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7 — far below the χ² resolution used here). */
function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

describe('uniform mod q (rejection sampling)', () => {
  const moduli = [2n, 3n, 97n, 257n, 65537n, 4294967291n, 4294967311n, (1n << 61n) - 1n, 4611686018427387847n];

  it('every value is < q, for q from 2 to ~2^62 (incl. 2^61 − 1 and the 32/33-bit boundary)', () => {
    for (const [i, q] of moduli.entries()) {
      const out = new BigUint64Array(20000);
      sampleUniformModQ(q, out, src(10 + i));
      for (const v of out) if (v >= q) throw new Error(`${v} ≥ ${q}`);
      if (q > 1n << 40n) expect(new Set(out).size).toBe(out.length); // wide q: a repeat has probability < 2^-10
    }
  });

  it('χ² over the q = 97 buckets (96 d.o.f.) < 177, the ≈1e-6 quantile', () => {
    const q = 97n, n = 97 * 2000, out = new BigUint64Array(n);
    sampleUniformModQ(q, out, src(2));
    const counts = new Array<number>(97).fill(0);
    for (const v of out) counts[Number(v)]!++;
    expect(chiSquare(counts, new Array<number>(97).fill(n / 97))).toBeLessThan(177);
  });

  it('χ² over the q = 257 buckets (256 d.o.f.) < 378, the ≈1e-6 quantile (mask 9 bits, acceptance 257/512)', () => {
    const q = 257n, n = 257 * 1000, out = new BigUint64Array(n);
    sampleUniformModQ(q, out, src(3));
    const counts = new Array<number>(257).fill(0);
    for (const v of out) counts[Number(v)]!++;
    expect(chiSquare(counts, new Array<number>(257).fill(n / 257))).toBeLessThan(378);
  });

  it('mean for q = 2^61 − 1 is q/2 within 5σ (σ = q/√(12n), n = 10^5); top and bottom halves both hit', () => {
    const q = (1n << 61n) - 1n, n = 100000, out = new BigUint64Array(n);
    sampleUniformModQ(q, out, src(4));
    let mean = 0, high = 0;
    for (const v of out) {
      mean += Number(v) / n;
      if (v >= q / 2n) high++;
    }
    const qf = Number(q);
    expect(Math.abs(mean - qf / 2)).toBeLessThan((5 * qf) / Math.sqrt(12 * n));
    expect(Math.abs(high / n - 0.5)).toBeLessThan(5 * 0.5 / Math.sqrt(n));
  });

  it('follows the documented stream rule exactly (BigInt reference; fast-check over q and lengths, 60 runs)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 2n, max: (1n << 64n) - 1n }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 1 << 30 }),
        (q, n, s) => {
          const got = new BigUint64Array(n);
          const a = src(s);
          sampleUniformModQ(q, got, a);
          sampleUniformModQ(q, got.subarray(0, Math.min(n, 5)), a); // subarray outputs work and continue the stream
          const b = src(s);
          const want = referenceUniform(q, n, b);
          const wantNext = referenceUniform(q, Math.min(n, 5), b);
          want.set(wantNext);
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects bad arguments (TypeError for types, RangeError for ranges)', () => {
    expect(() => sampleUniformModQ(97 as unknown as bigint, new BigUint64Array(4), src(0))).toThrow(TypeError);
    expect(() => sampleUniformModQ(1n, new BigUint64Array(4), src(0))).toThrow(RangeError);
    expect(() => sampleUniformModQ(1n << 64n, new BigUint64Array(4), src(0))).toThrow(RangeError);
    expect(() => sampleUniformModQ(97n, new Uint32Array(4) as unknown as BigUint64Array, src(0))).toThrow(TypeError);
    expect(() => sampleUniformModQ(97n, new BigUint64Array(4), {} as RandomSource)).toThrow(TypeError);
  });
});

describe('ternary samplers', () => {
  it('uniform ternary: each of −1, 0, 1 has frequency 1/3 ± 1% over 3·10^5 samples (1% ≈ 11σ)', () => {
    const t = sampleTernaryUniform(300000, src(5));
    const counts = [0, 0, 0];
    for (const x of t) counts[x + 1]!++;
    expect(counts[0]! + counts[1]! + counts[2]!).toBe(t.length); // nothing outside {−1, 0, 1}
    for (const c of counts) expect(Math.abs(c / t.length - 1 / 3)).toBeLessThan(0.01);
    expect(chiSquare(counts, [1e5, 1e5, 1e5])).toBeLessThan(28); // 2 d.o.f., 1e-6 quantile ≈ 27.6
  });

  it('Hamming weight: exactly h non-zero ±1 entries for any (N, h), including h = 0 and h = N (fast-check, 150 runs)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4096 }),
        fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
        fc.integer({ min: 0, max: 1 << 30 }),
        (N, frac, s) => {
          const h = frac === 1 ? N : Math.round(N * frac);
          const t = sampleTernaryHammingWeight(N, h, src(s));
          // A write at index N would be dropped silently by the typed array, so a count of exactly h over
          // exactly N slots also proves that no position outside [0, N − 1] was drawn.
          expect(t.length).toBe(N);
          let nonZero = 0;
          for (const x of t) {
            if (x !== 0) nonZero++;
            if (x !== 0 && x !== 1 && x !== -1) throw new Error(`value ${x}`);
          }
          expect(nonZero).toBe(h);
        },
      ),
      { numRuns: 150 },
    );
    expect(sampleTernaryHammingWeight(1, 1, src(1))[0]).not.toBe(0);
    expect(sampleTernaryHammingWeight(4096, 4096, src(2)).every((x) => x !== 0)).toBe(true);
    expect(sampleTernaryHammingWeight(4096, 0, src(3)).every((x) => x === 0)).toBe(true);
  });

  it('Hamming weight h = 192, N = 2^12: 400 draws hit positions 0 and N − 1; signs balanced within 5σ', () => {
    const N = 4096, h = 192, runs = 400;
    let first = 0, last = 0, plus = 0;
    for (let r = 0; r < runs; r++) {
      const t = sampleTernaryHammingWeight(N, h, src(1000 + r));
      if (t[0] !== 0) first++;
      if (t[N - 1] !== 0) last++;
      for (const x of t) if (x === 1) plus++;
    }
    // each position is non-zero with probability h/N = 3/64: expected 18.75 hits in 400 draws
    expect(first).toBeGreaterThan(0);
    expect(last).toBeGreaterThan(0);
    const total = runs * h;
    expect(Math.abs(plus / total - 0.5)).toBeLessThan((5 * 0.5) / Math.sqrt(total));
  });

  it('Hamming weight positions are uniform: χ² of per-position hits (N = 64, h = 8, 8000 draws, 63 d.o.f.) < 132', () => {
    const N = 64, h = 8, runs = 8000, hits = new Array<number>(N).fill(0);
    const source = src(77); // one stream shared by all draws
    for (let r = 0; r < runs; r++) {
      const t = sampleTernaryHammingWeight(N, h, source);
      for (let i = 0; i < N; i++) if (t[i] !== 0) hits[i]!++;
    }
    expect(chiSquare(hits, new Array<number>(N).fill((runs * h) / N))).toBeLessThan(132);
  });

  it('rejects h outside [0, N] and bad N', () => {
    expect(() => sampleTernaryHammingWeight(16, 17, src(0))).toThrow(RangeError);
    expect(() => sampleTernaryHammingWeight(16, -1, src(0))).toThrow(RangeError);
    expect(() => sampleTernaryHammingWeight(16, 2.5, src(0))).toThrow(RangeError);
    expect(() => sampleTernaryHammingWeight(0, 0, src(0))).toThrow(RangeError);
    expect(() => sampleTernaryUniform(1.5, src(0))).toThrow(RangeError);
    expect(() => sampleTernaryUniform(-4, src(0))).toThrow(RangeError);
  });
});

describe('Gaussian error (rounded, clipped continuous Gaussian)', () => {
  const n = 200000;
  const e = sampleGaussian(n, 3.2, 6 * 3.2, src(6));

  it('σ = 3.2, bound 6σ: sample std within 2% of 3.2 and within 5σ-of-estimator of √(σ² + 1/12); mean 0 within 5σ; max |e| ≤ 19', () => {
    let sum = 0, sq = 0, max = 0;
    for (const x of e) {
      sum += x;
      sq += x * x;
      max = Math.max(max, Math.abs(x));
    }
    const mean = sum / n;
    const std = Math.sqrt(sq / n - mean * mean);
    expect(Math.abs(std - 3.2) / 3.2).toBeLessThan(0.02);
    const expectedStd = Math.sqrt(3.2 ** 2 + 1 / 12); // rounding adds ≈ 1/12 to the variance
    expect(Math.abs(std - expectedStd)).toBeLessThan((5 * expectedStd) / Math.sqrt(2 * n)); // sd of the sample std ≈ σ/√(2n)
    expect(Math.abs(mean)).toBeLessThan((5 * 3.2) / Math.sqrt(n));
    expect(max).toBeLessThanOrEqual(19);
  });

  it('matches the documented law P(e = k) ∝ ∫_{k−1/2}^{k+1/2} φ_σ: χ² over k ∈ [−9, 9] + two tails (20 d.o.f.) < 66', () => {
    const sigma = 3.2, bound = 6 * sigma, lo = -9, hi = 9;
    const cdf = (x: number): number => 0.5 * (1 + erf(x / (sigma * Math.SQRT2)));
    // bucket 0: e < lo, i.e. x ∈ [−bound, lo − 1/2); bucket k − lo + 1: e = k; last bucket: x ∈ [hi + 1/2, bound]
    const edges = [-bound];
    for (let k = lo; k <= hi + 1; k++) edges.push(k - 0.5);
    edges.push(bound);
    const observed = new Array<number>(edges.length - 1).fill(0);
    for (const x of e) observed[x < lo ? 0 : x > hi ? edges.length - 2 : x - lo + 1]!++;
    const z = cdf(bound) - cdf(-bound); // clipping normalisation (here ≈ 1 − 2·10^-9)
    const expected = observed.map((_, i) => (n * (cdf(edges[i + 1]!) - cdf(edges[i]!))) / z);
    expect(expected.reduce((a, b) => a + b, 0)).toBeCloseTo(n, 3);
    expect(chiSquare(observed, expected)).toBeLessThan(66);
  });

  it('defaults are σ = 3.2 and bound = 6σ (same output as passing them explicitly)', () => {
    expect(sampleGaussian(1000, undefined, undefined, src(9))).toEqual(sampleGaussian(1000, 3.2, 19.2, src(9)));
  });

  it('|e| ≤ floor(bound) also when bound has a fractional part ≥ 1/2 (σ = 3.2, bound 4.7 → |e| ≤ 4, and 4 occurs)', () => {
    const f = sampleGaussian(50000, 3.2, 4.7, src(8));
    let max = 0;
    for (const x of f) max = Math.max(max, Math.abs(x));
    expect(max).toBe(4);
  });

  it('rejects bad σ and bounds', () => {
    expect(() => sampleGaussian(16, 0, 1, src(0))).toThrow(RangeError);
    expect(() => sampleGaussian(16, Number.NaN, 1, src(0))).toThrow(RangeError);
    expect(() => sampleGaussian(16, 3.2, 1, src(0))).toThrow(RangeError);
    expect(() => sampleGaussian(16, 3.2, Number.POSITIVE_INFINITY, src(0))).toThrow(RangeError);
    expect(() => sampleGaussian(0, 3.2, 19.2, src(0))).toThrow(RangeError);
  });
});

describe('smallToResidues', () => {
  it('maps c ≥ 0 to c and c < 0 to q + c (examples, small and 61-bit q)', () => {
    const out = new BigUint64Array(5);
    smallToResidues(Int32Array.from([0, 1, -1, -19, 19]), 97n, out);
    expect(Array.from(out)).toEqual([0n, 1n, 96n, 78n, 19n]);
    const q = (1n << 61n) - 1n;
    smallToResidues(Int8Array.from([-1, 0, 1, -1, 1]), q, out);
    expect(Array.from(out)).toEqual([q - 1n, 0n, 1n, q - 1n, 1n]);
  });

  it('agrees with BigInt ((c mod q) + q) mod q for narrow and wide coefficient ranges (fast-check, 100 runs)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 2, max: 1000 }).map(BigInt), fc.bigInt({ min: 1n << 31n, max: (1n << 64n) - 1n })),
        fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 200 }),
        fc.boolean(),
        (q, raw, narrow) => {
          const limit = Number(q - 1n < 2n ** 31n - 1n ? q - 1n : 2n ** 31n - 1n); // largest allowed |c|
          const coeffs = Int32Array.from(raw, (c) => (narrow ? c % 20 : c) % (limit + 1));
          const out = new BigUint64Array(coeffs.length);
          smallToResidues(coeffs, q, out);
          expect(Array.from(out)).toEqual(Array.from(coeffs, (c) => ((BigInt(c) % q) + q) % q));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects |c| ≥ q, length mismatches and wrong types', () => {
    expect(() => smallToResidues(Int8Array.from([1, -3]), 3n, new BigUint64Array(2))).toThrow(RangeError);
    expect(() => smallToResidues(Int8Array.from([1, 0]), 3n, new BigUint64Array(3))).toThrow(RangeError);
    expect(() => smallToResidues([1, 0] as unknown as Int8Array, 3n, new BigUint64Array(2))).toThrow(TypeError);
    expect(() => smallToResidues(Int8Array.from([1, 0]), 3 as unknown as bigint, new BigUint64Array(2))).toThrow(TypeError);
  });
});

describe('random sources and the buffered reader', () => {
  it('same seed → same output; different seed or nonce → different output (every sampler)', () => {
    const run = (s: RandomSource): unknown[] => {
      const u = new BigUint64Array(500);
      sampleUniformModQ(4611686018427387847n, u, s);
      return [u, sampleTernaryUniform(500, s), sampleTernaryHammingWeight(500, 64, s), sampleGaussian(500, 3.2, 19.2, s)];
    };
    const a = run(src(7)), b = run(src(7)), c = run(src(8)), d = run(seededRandom(seed(7), Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    expect(a).toEqual(b);
    for (let i = 0; i < a.length; i++) {
      expect(a[i]).not.toEqual(c[i]);
      expect(a[i]).not.toEqual(d[i]);
    }
  });

  it('seededRandom is the ChaCha20 keystream (RFC 8439 A.1 vector #1: zero key and nonce)', () => {
    const out = new Uint8Array(4);
    seededRandom(new Uint8Array(32)).fillBytes(out);
    expect(Array.from(out)).toEqual([0x76, 0xb8, 0xe0, 0xad]);
    expect(() => seededRandom(new Uint8Array(16))).toThrow(RangeError);
    expect(() => seededRandom(new Uint8Array(32), new Uint8Array(8))).toThrow(RangeError);
  });

  it('systemRandom fills 100000 bytes (looping past the 64 KiB getRandomValues limit), not all zero', () => {
    const buf = new Uint8Array(100000);
    systemRandom.fillBytes(buf);
    expect(buf.some((x) => x !== 0)).toBe(true);
    expect(buf.subarray(65536).some((x) => x !== 0)).toBe(true); // the second chunk was filled too
    expect(new Set(buf).size).toBeGreaterThan(200);
    expect(randomUint64()).not.toBe(randomUint64()); // equal with probability 2^-64
  });

  it('randomUint64 reads 8 bytes little-endian', () => {
    const bytes = new Uint8Array(8);
    seededRandom(seed(11)).fillBytes(bytes);
    expect(randomUint64(seededRandom(seed(11)))).toBe(new DataView(bytes.buffer).getBigUint64(0, true));
  });

  it('RandomReader: bytes() continues the source stream; uint32/uint64 are little-endian words of it', () => {
    const raw = new Uint8Array(10000);
    seededRandom(seed(12)).fillBytes(raw);
    const reader = new RandomReader(seededRandom(seed(12)));
    const got = new Uint8Array(10000);
    reader.bytes(got.subarray(0, 3));
    reader.bytes(got.subarray(3, 5000));
    reader.bytes(got.subarray(5000));
    expect(got.every((x, i) => x === raw[i])).toBe(true);
    const words = new RandomReader(seededRandom(seed(12)));
    const view = new DataView(raw.buffer);
    expect(words.uint32()).toBe(view.getUint32(0, true));
    expect(words.uint64()).toBe(view.getBigUint64(4, true));
    expect(words.byte()).toBe(raw[12]);
  });

  it('RandomReader.uint32Below is in range and unbiased (bound 3·2^30: χ² of thirds, 2 d.o.f., < 28) and float53 ∈ [0, 1)', () => {
    const reader = new RandomReader(src(13));
    const bound = 3 * 2 ** 30, counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) {
      const r = reader.uint32Below(bound);
      if (!(r >= 0 && r < bound && Number.isInteger(r))) throw new Error(`out of range: ${r}`);
      counts[Math.floor(r / 2 ** 30)]!++;
    }
    expect(chiSquare(counts, [1e4, 1e4, 1e4])).toBeLessThan(28);
    expect(reader.uint32Below(1)).toBe(0);
    expect(() => reader.uint32Below(0)).toThrow(RangeError);
    for (let i = 0; i < 1000; i++) {
      const f = reader.float53();
      if (!(f >= 0 && f < 1)) throw new Error(`float53 out of range: ${f}`);
    }
  });
});
