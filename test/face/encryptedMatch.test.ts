// The encrypted normalisation, 1:1 / 1:N matching, verdict masking and noise flooding (src/face/encrypted/
// encryptedNormalize.ts, encryptedMatch.ts, verdictMask.ts, noiseFlooding.ts) at N = 2^12, INSECURE (chain
// [60, 45×7], P = 2×61, dense ternary secret; y at level 7, verdict at level 1), with the CFNet4 manifest's
// normalisation polynomial and τ. References: float64 `normalizePoly`, `squaredDistance`, `verdict` (src/face/normalize.ts)
// on random features with ‖y‖² in the model's training range [202, 312]; a direct float64 cosine sum for the exact
// verdict-mask encoding. Keys: levelled Galois keys restricted to `matcherKeyPlan` (so its steps and levels suffice).
// Tolerances: |ŷ_enc − ŷ| ≤ 1e-8, |score_enc − score| ≤ 1e-7 (Δ = 2^45; the float64 twin uses the same p).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizePoly, squaredDistance, squaredNorm, verdict } from '../../src/face/normalize.js';
import { EncryptedMatcher, matcherKeyPlan, readVerdicts } from '../../src/face/encrypted/encryptedMatch.js';
import { cfnetFeatureLayout, type FeatureLayout } from '../../src/face/encrypted/encryptedNormalize.js';
import { encodeVerdictMask, exactVerdictCoefficients, randomMultipliers } from '../../src/face/encrypted/verdictMask.js';
import { sampleFlooding } from '../../src/face/encrypted/noiseFlooding.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { CkksError } from '../../src/ckks/errors.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import type { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { encryptedFixture, rng, type EncryptedFixture } from '../nn/encryptedFixture.js';

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'models', 'cfnet4', 'weights.json'), 'utf8')) as {
  normalization: { a: number; b: number; c: number };
  threshold: { tau: number };
};
const poly = manifest.normalization;
const tau = manifest.threshold.tau;

const SLOTS = 2048;
const DIM = 256;
let f: EncryptedFixture;
let layout: FeatureLayout;
let ev: Evaluator;

function seed(n: number): Uint8Array {
  const s = new Uint8Array(32);
  s[0] = n;
  return s;
}

/** A feature with ‖y‖² = s, direction from `r`. */
function feature(r: () => number, s: number): Float64Array {
  const v = Float64Array.from({ length: DIM }, r);
  const k = Math.sqrt(s / squaredNorm(v));
  return v.map((x) => x * k);
}

/** y_j at slot j + 512k (every replica), junk up to ±5 in the other half of each period (the mask must remove it). */
function pack(y: Float64Array, r: () => number): Float64Array {
  const out = new Float64Array(SLOTS);
  for (let k = 0; k < SLOTS; k += 2 * DIM) {
    out.set(y, k);
    for (let j = DIM; j < 2 * DIM; j++) out[k + j] = 5 * r();
  }
  return out;
}

function encryptY(y: Float64Array, r: () => number): Ciphertext {
  return f.encryptVectors([pack(y, r)], layout.level, layout.scale)[0]!;
}

function matcher(options: ConstructorParameters<typeof EncryptedMatcher>[7] = {}): EncryptedMatcher {
  return new EncryptedMatcher(f.ctx, ev, f.encoder, f.pk, poly, tau, layout, options);
}

const decrypt = (c: Ciphertext): Float64Array => f.decryptVectors([c])[0]!;

/** The decrypted polynomial's coefficients as centred integers (CRT over the ciphertext's primes, BigInt). */
function decryptedCoefficients(c: Ciphertext): bigint[] {
  const poly = f.decryptor.decrypt(c).poly.clone().toCoefficient();
  const q = poly.basis.moduli.map((m) => m.value);
  const Q = q.reduce((a, b) => a * b, 1n);
  const inv = (a: bigint, m: bigint): bigint => {
    let [r0, r1, s0, s1] = [((a % m) + m) % m, m, 1n, 0n];
    while (r1 !== 0n) {
      const t = r0 / r1;
      [r0, r1, s0, s1] = [r1, r0 - t * r1, s1, s0 - t * s1];
    }
    return ((s0 % m) + m) % m;
  };
  const basis = q.map((qi) => { const hat = Q / qi; return (hat * inv(hat, qi)) % Q; });
  const out: bigint[] = [];
  for (let k = 0; k < f.ctx.ringDegree; k++) {
    let x = 0n;
    q.forEach((_, i) => { x += BigInt(poly.limb(i)[k]!) * basis[i]!; });
    x %= Q;
    out.push(x > Q / 2n ? x - Q : x);
  }
  return out;
}

/**
 * The error of a 1:1 verdict ciphertext in coefficient units: the decrypted coefficients minus the exact encoding of
 * the best-fitting verdict value (least squares on the verdict's cosine pattern, BigInt).
 */
function verdictError(c: Ciphertext): number[] {
  const got = decryptedCoefficients(c);
  const where = { slots: SLOTS, block: DIM, count: 1 };
  const unit = exactVerdictCoefficients(f.ctx.ringDegree, where, [1n << 100n]);
  let num = 0n;
  let den = 0n;
  got.forEach((x, k) => { num += x * unit[k]!; den += unit[k]! * unit[k]!; });
  const fit = exactVerdictCoefficients(f.ctx.ringDegree, where, [(num << 100n) / den]);
  return got.map((x, k) => Number(x - fit[k]!));
}

const rms = (xs: readonly number[]): number => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);

beforeAll(() => {
  f = encryptedFixture({ logN: 12, logQ: [60, 45, 45, 45, 45, 45, 45, 45], logP: [61, 61], logDefaultScale: 45 }, 7);
  layout = cfnetFeatureLayout(SLOTS, 7, 2 ** 45);
  const keys = matcherKeyPlan(layout);
  ev = f.evaluatorForLevels(keys.rotationKeyLevels, keys.relinearizationLevel, keys.conjugationLevel);
});

describe('exact verdict mask encoding (N = 2^12, insecure)', () => {
  it('coefficients equal the rounded direct cosine sum; decoding gives r in the verdict slots and 0 elsewhere', () => {
    const n = SLOTS;
    const M = 4 * n;
    const values = randomMultipliers(8, 16, 2 ** 20, seededRandom(seed(3)));
    const got = exactVerdictCoefficients(f.ctx.ringDegree, { slots: n, block: DIM, count: 8 }, values);
    let e = 1;
    const exps: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j % DIM === 0) exps.push(e);
      e = (e * 5) % M;
    }
    let worst = 0;
    for (let k = 0; k < 2 * n; k++) {
      let c = 0;
      exps.forEach((ej, g) => { c += Number(values[g]!) * Math.cos((2 * Math.PI * ((ej * k) % M)) / M); });
      worst = Math.max(worst, Math.abs(Number(got[k]!) - c / n));
    }
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-6); // exact rounding of a value known to ~1e-9 in float64
    const scale = 2 ** 80;
    const big = randomMultipliers(8, 16, scale, seededRandom(seed(4)));
    const slots = f.encoder.decodeReal(encodeVerdictMask(f.ctx, 3, { slots: n, block: DIM, count: 8 }, big, scale));
    slots.forEach((v, j) => {
      if (j % DIM === 0) expect(Math.abs(v - Number(big[j / DIM]!) / scale)).toBeLessThanOrEqual(1e-9);
      else expect(Math.abs(v)).toBeLessThanOrEqual(1e-9);
    });
  });
});

describe('flooding sampler', () => {
  it('σ = 2^70: rms within 3% of σ (8192 samples), mean ≈ 0, the low bits below the 2^40 grid are filled', () => {
    const sigma = 2 ** 70;
    const e = sampleFlooding(8192, sigma, seededRandom(seed(5)));
    const x = e.map((v) => Number(v) / sigma);
    expect(Math.abs(rms(x) - 1)).toBeLessThan(0.03);
    expect(Math.abs(x.reduce((a, v) => a + v, 0) / x.length)).toBeLessThan(5 / Math.sqrt(x.length));
    const odd = e.filter((v) => (v & 1n) === 1n).length;
    expect(Math.abs(odd / e.length - 0.5)).toBeLessThan(0.05);
  });
});

describe('encrypted normalisation and matching (N = 2^12, insecure, CFNet4 manifest p and τ)', () => {
  it('normalize: ŷ vs normalizePoly, junk slots masked, 4 levels, planned key switches', () => {
    const m = matcher();
    const r = rng(11);
    for (const s of [205, 264.5, 310]) {
      const y = feature(r, s);
      const before = ev.keySwitchCounters.keySwitches;
      const yHat = m.normalize(encryptY(y, r));
      expect(ev.keySwitchCounters.keySwitches - before).toBe(m.keySwitches.normalize);
      expect(yHat.level).toBe(layout.level - 4);
      expect(yHat.scale).toBe(m.templateScale);
      const got = decrypt(yHat);
      const want = normalizePoly(y, poly);
      let e = 0;
      got.forEach((v, j) => { e = Math.max(e, Math.abs(v - (j < DIM ? want[j]! : 0))); });
      expect(e, `‖y‖² = ${s}`).toBeLessThanOrEqual(1e-8);
      console.log(`normalize ‖y‖² = ${s}: max |ŷ_enc − normalizePoly| = ${e.toExponential(2)}`);
    }
  });

  it('1:1 verify: scores vs float64, verdict signs after masking and flooding', () => {
    const m = matcher();
    const r = rng(21);
    let worst = 0;
    let pairs = 0;
    const kinds = new Set<boolean>();
    for (let i = 0; i < 2; i++) {
      const a = feature(r, 220 + 60 * i);
      const pa = m.normalize(encryptY(a, r));
      // a genuine-like partner (a perturbed copy) and an impostor-like one (an independent feature)
      for (const b of [a.map((v) => v + 0.35 * (2 * i + 1) * r()), feature(r, 250)]) {
        const pb = m.normalize(encryptY(b, r));
        const want = verdict(squaredDistance(normalizePoly(a, poly), normalizePoly(b, poly)), tau);
        const score = decrypt(m.verifyScore(pa, pb))[0]!;
        worst = Math.max(worst, Math.abs(score - want.score));
        const before = ev.keySwitchCounters.keySwitches;
        const res = m.verify(pa, pb);
        expect(ev.keySwitchCounters.keySwitches - before).toBe(m.keySwitches.verify);
        expect(res.ciphertext.level).toBe(layout.level - 6);
        expect(readVerdicts(decrypt(res.ciphertext), res.verdicts)).toEqual([want.match]);
        kinds.add(want.match);
        pairs++;
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-7);
    expect([...kinds].sort()).toEqual([false, true]);
    console.log(`verify: max |score_enc − score| = ${worst.toExponential(2)} over ${pairs} pairs`);
  });

  it('1:N identify: gallery of 7 separately enrolled templates, scores and verdicts vs float64', () => {
    const m = matcher();
    const r = rng(31);
    const probe = feature(r, 270);
    const people = Array.from({ length: 7 }, (_, g) => (g === 4 ? probe.map((v) => v + 0.3 * r()) : feature(r, 230 + 10 * g)));
    const templates = people.map((y) => m.normalize(encryptY(y, r)));
    const before = ev.keySwitchCounters.keySwitches;
    const gallery = m.packGallery(templates);
    expect(ev.keySwitchCounters.keySwitches - before).toBe(m.keySwitches.packGallery(7));
    const p = m.normalize(encryptY(probe, r));
    const want = people.map((y) => verdict(squaredDistance(normalizePoly(probe, poly), normalizePoly(y, poly)), tau));
    const scores = decrypt(m.identifyScore(p, gallery.ciphertext));
    want.forEach((w, g) => expect(Math.abs(scores[g * DIM]! - w.score), `template ${g}`).toBeLessThanOrEqual(1e-7));
    console.log(`identify: max |score_enc − score| = ${Math.max(...want.map((w, g) => Math.abs(scores[g * DIM]! - w.score))).toExponential(2)} over 7 templates`);
    const k0 = ev.keySwitchCounters.keySwitches;
    expect(gallery.count).toBe(7);
    const res = m.identify(p, gallery);
    expect(ev.keySwitchCounters.keySwitches - k0).toBe(m.keySwitches.identify);
    expect(readVerdicts(decrypt(res.ciphertext), res.verdicts)).toEqual(want.map((w) => w.match));
    expect(want.filter((w) => w.match).length).toBeGreaterThan(0);
  });

  it('masked slots: before flooding ≈ 0 within the assumed noise; after flooding the flooding distribution for any input', () => {
    const m = matcher();
    const fp = m.flooding;
    const r = rng(41);
    const a = feature(r, 240);
    const inputs = [[a, a.map((v) => v + 0.2 * r())], [a, feature(r, 300)]] as const;
    const pa = m.normalize(encryptY(a, r));
    const verdicts = { slots: SLOTS, block: DIM, count: 1 };
    const N = f.ctx.ringDegree;
    const stats: { rms: number; mean: number; max: number }[] = [];
    const coefficientRms: number[] = [];
    for (const [, b] of inputs) {
      const pb = m.normalize(encryptY(b, r));
      // before flooding, in coefficient units (a float64 decoding cannot resolve them next to a verdict of 2^100)
      const raw = rms(verdictError(m.maskVerdicts(m.verifyScore(pa, pb), verdicts)));
      expect(raw).toBeLessThanOrEqual(fp.errorL2 / Math.sqrt(N));
      const released = m.flood(m.maskVerdicts(m.verifyScore(pa, pb), verdicts));
      const e = verdictError(released);
      coefficientRms.push(rms(e));
      const flooded = decrypt(released);
      let s1 = 0;
      let s2 = 0;
      let mx = 0;
      for (let j = 1; j < SLOTS; j++) {
        s1 += flooded[j]!;
        s2 += flooded[j]! ** 2;
        mx = Math.max(mx, Math.abs(flooded[j]!));
      }
      stats.push({ rms: Math.sqrt(s2 / (SLOTS - 1)), mean: s1 / (SLOTS - 1), max: mx });
      console.log(`masked result: unflooded error rms ${raw.toFixed(1)} per coefficient (assumed ≤ ${(fp.errorL2 / Math.sqrt(N)).toFixed(1)}), flooded ${coefficientRms[coefficientRms.length - 1]!.toExponential(3)} (σ_f ${fp.sigma.toExponential(3)}); flooded slots rms ${stats[stats.length - 1]!.rms.toExponential(3)} (σ_slot ${fp.slotSigma.toExponential(3)})`);
    }
    // coefficients: the flooding Gaussian, same width for both inputs (N = 4096 samples each: ±6% is 5 standard errors of an rms)
    for (const c of coefficientRms) expect(Math.abs(c / fp.sigma - 1)).toBeLessThan(0.06);
    for (const st of stats) {
      // flooded slots: the flooding Gaussian alone (its σ per slot is fp.slotSigma), whatever the input
      expect(st.rms / fp.slotSigma).toBeGreaterThan(0.85);
      expect(st.rms / fp.slotSigma).toBeLessThan(1.15);
      expect(Math.abs(st.mean)).toBeLessThan((5 * fp.slotSigma) / Math.sqrt(SLOTS - 1));
      expect(st.max).toBeLessThan(9.5 * fp.slotSigma);
    }
    expect(stats[0]!.rms / stats[1]!.rms).toBeGreaterThan(0.85);
    expect(stats[0]!.rms / stats[1]!.rms).toBeLessThan(1.18);
  });

  it('the random multiplier: same sign, magnitudes r·score with r spread over [1, 2^W) and unrelated to |score|', () => {
    const m = matcher({ random: seededRandom(seed(9)) });
    const r = rng(51);
    const a = feature(r, 260);
    const pa = m.normalize(encryptY(a, r));
    const partners = [a.map((v) => v + 0.1 * r()), a.map((v) => v + 0.45 * r())];
    const logs: number[][] = [];
    for (const b of partners) {
      const pb = m.normalize(encryptY(b, r));
      const want = verdict(squaredDistance(normalizePoly(a, poly), normalizePoly(b, poly)), tau);
      expect(want.match).toBe(true);
      const row: number[] = [];
      for (let t = 0; t < 6; t++) {
        const v = decrypt(m.verify(pa, pb).ciphertext)[0]!;
        expect(Math.sign(v)).toBe(Math.sign(want.score));
        const ratio = v / want.score; // r (up to the score's error ~1e-7 and the flooding ~1e-8)
        expect(ratio).toBeGreaterThan(1 - 1e-4);
        expect(ratio).toBeLessThan(2 ** m.flooding.multiplierBits * (1 + 1e-4));
        row.push(Math.log2(Math.abs(v)));
      }
      expect(Math.max(...row) - Math.min(...row)).toBeGreaterThan(2); // r varies by more than 4× over 6 draws
      logs.push(row);
    }
    // the two scores differ, the ranges of log|v| still overlap: |v| does not order the scores
    expect(Math.max(...logs[0]!)).toBeGreaterThan(Math.min(...logs[1]!));
    expect(Math.max(...logs[1]!)).toBeGreaterThan(Math.min(...logs[0]!));
  });

  it('refuses a chain whose last level cannot hold the flooded verdict, and wrong inputs', () => {
    expect(() => new EncryptedMatcher(f.ctx, ev, f.encoder, f.pk, poly, tau, { ...layout, level: 6 })).toThrow(CkksError);
    const m = matcher();
    const r = rng(61);
    const y = encryptY(feature(r, 250), r);
    expect(() => m.verify(y, y)).toThrow(/level/);
    expect(() => m.normalize(f.encryptVectors([new Float64Array(SLOTS)], 7, 2 ** 40)[0]!)).toThrow(CkksError);
  });
});
