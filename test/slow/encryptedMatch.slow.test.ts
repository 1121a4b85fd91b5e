// [slow] Encrypted normalisation, matching, verdict masking and noise flooding at a SECURE size (opt-in:
// `npm run test:slow`): N = 2^15 (2^14 slots, 64 templates per gallery), chain [60, 45×7], P = 2×61, dense ternary
// secret (log2 QP = 497, 128-bit), y at level 7 as after the encrypted network, the CFNet4 manifest's p and τ,
// s = 40 flooding. References: float64 normalizePoly / squaredDistance / verdict (src/face/normalize.ts).
// Asserted: |score_enc − score| ≤ 1e-6 for 1:1 and 1:N (the rounding of the score's rescale at S_d = q/16, summed over
// 256 slots, grows ∝ N: ≈ 2e-8 at N = 2^12, ≈ 2e-7 here), verdicts equal float64 after masking and flooding, the
// unflooded error (coefficient units) within the plan's assumption, the flooded coefficients' rms within 3% of σ_f.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { levelledGaloisKey, levelledRelinearizationKey } from '../../src/ckks/scheme/levelledKeys.js';
import { conjugationElement, galoisElementForRotation } from '../../src/ckks/ring/automorphism.js';
import type { GaloisKey } from '../../src/ckks/scheme/keys.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { normalizePoly, squaredDistance, squaredNorm, verdict } from '../../src/face/normalize.js';
import { EncryptedMatcher, matcherKeyPlan, readVerdicts } from '../../src/face/encrypted/encryptedMatch.js';
import { cfnetFeatureLayout } from '../../src/face/encrypted/encryptedNormalize.js';
import { exactVerdictCoefficients } from '../../src/face/encrypted/verdictMask.js';

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'models', 'cfnet4', 'weights.json'), 'utf8')) as {
  normalization: { a: number; b: number; c: number };
  threshold: { tau: number };
};

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

describe('[slow] encrypted matching at N = 2^15 (secure, 128-bit)', () => {
  it('1:1 and 1:N scores and verdicts vs float64; unflooded error and flooding width as planned', () => {
    const ctx = new CkksContext({ logN: 15, logQ: [60, 45, 45, 45, 45, 45, 45, 45], logP: [61, 61], logDefaultScale: 45 });
    expect(ctx.params.insecure).toBe(false);
    const slots = ctx.params.maxSlots;
    const dim = 256;
    const kg = new KeyGenerator(ctx);
    const sk = kg.secretKey();
    const pk = kg.publicKey(sk);
    const encoder = new Encoder(ctx);
    const decryptor = new Decryptor(ctx, sk);
    const encryptor = new Encryptor(ctx);
    const layout = cfnetFeatureLayout(slots, 7, 2 ** 45);
    const plan = matcherKeyPlan(layout);
    const galois = new Map<number, GaloisKey>();
    for (const [s, level] of plan.rotationKeyLevels) galois.set(galoisElementForRotation(s, ctx.ringDegree), levelledGaloisKey(ctx, sk, galoisElementForRotation(s, ctx.ringDegree), level));
    galois.set(conjugationElement(ctx.ringDegree), levelledGaloisKey(ctx, sk, conjugationElement(ctx.ringDegree), plan.conjugationLevel));
    const ev = new Evaluator(ctx, { relinearizationKey: levelledRelinearizationKey(ctx, sk, plan.relinearizationLevel), galoisKeys: galois });
    const m = new EncryptedMatcher(ctx, ev, encoder, pk, manifest.normalization, manifest.threshold.tau, layout);
    const r = rng(2026);
    const feature = (s: number): Float64Array => {
      const v = Float64Array.from({ length: dim }, r);
      const k = Math.sqrt(s / squaredNorm(v));
      return v.map((x) => x * k);
    };
    const encrypt = (y: Float64Array): Ciphertext => {
      const packed = new Float64Array(slots);
      for (let k = 0; k < slots; k += 2 * dim) packed.set(y, k);
      return encryptor.encryptPublic(encoder.encode(packed, { level: 7, scale: 2 ** 45 }), pk);
    };
    const decrypt = (c: Ciphertext): Float64Array => encoder.decodeReal(decryptor.decrypt(c));
    const want = (a: Float64Array, b: Float64Array) => verdict(squaredDistance(normalizePoly(a, manifest.normalization), normalizePoly(b, manifest.normalization)), manifest.threshold.tau);

    // 1:1
    const a = feature(265);
    const pa = m.normalize(encrypt(a));
    let worst = 0;
    for (const b of [a.map((v) => v + 0.4 * r()), feature(240)]) {
      const pb = m.normalize(encrypt(b));
      const w = want(a, b);
      worst = Math.max(worst, Math.abs(decrypt(m.verifyScore(pa, pb))[0]! - w.score));
      const res = m.verify(pa, pb);
      expect(readVerdicts(decrypt(res.ciphertext), res.verdicts)).toEqual([w.match]);
    }
    // 1:N, 8 templates (one genuine)
    const people = Array.from({ length: 8 }, (_, g) => (g === 5 ? a.map((v) => v + 0.3 * r()) : feature(220 + 10 * g)));
    const gallery = m.packGallery(people.map((y) => m.normalize(encrypt(y))));
    const scores = decrypt(m.identifyScore(pa, gallery.ciphertext));
    people.forEach((y, g) => { worst = Math.max(worst, Math.abs(scores[g * dim]! - want(a, y).score)); });
    const res = m.identify(pa, gallery);
    expect(readVerdicts(decrypt(res.ciphertext), res.verdicts)).toEqual(people.map((y) => want(a, y).match));
    expect(worst).toBeLessThanOrEqual(1e-6);

    // the unflooded and the flooded error of a 1:1 result, in coefficient units (BigInt CRT, minus the exact fit)
    const where = { slots, block: dim, count: 1 };
    const errorOf = (c: Ciphertext): number => {
      const poly = decryptor.decrypt(c).poly.clone().toCoefficient();
      const q = poly.basis.moduli.map((x) => x.value);
      const Q = q.reduce((x, y) => x * y, 1n);
      const inv = (x: bigint, mod: bigint): bigint => {
        let [r0, r1, s0, s1] = [((x % mod) + mod) % mod, mod, 1n, 0n];
        while (r1 !== 0n) {
          const t = r0 / r1;
          [r0, r1, s0, s1] = [r1, r0 - t * r1, s1, s0 - t * s1];
        }
        return ((s0 % mod) + mod) % mod;
      };
      const crt = q.map((qi) => ((Q / qi) * inv(Q / qi, qi)) % Q);
      const got: bigint[] = [];
      for (let k = 0; k < ctx.ringDegree; k++) {
        let x = 0n;
        q.forEach((_, i) => { x += BigInt(poly.limb(i)[k]!) * crt[i]!; });
        x %= Q;
        got.push(x > Q / 2n ? x - Q : x);
      }
      const unit = exactVerdictCoefficients(ctx.ringDegree, where, [1n << 100n]);
      let num = 0n;
      let den = 0n;
      got.forEach((x, k) => { num += x * unit[k]!; den += unit[k]! * unit[k]!; });
      const fit = exactVerdictCoefficients(ctx.ringDegree, where, [(num << 100n) / den]);
      let s2 = 0;
      got.forEach((x, k) => { s2 += Number(x - fit[k]!) ** 2; });
      return Math.sqrt(s2 / ctx.ringDegree);
    };
    const pb = m.normalize(encrypt(feature(300)));
    const masked = m.maskVerdicts(m.verifyScore(pa, pb), where);
    const raw = errorOf(masked);
    const flooded = errorOf(m.flood(masked));
    const fp = m.flooding;
    console.log(`N = 2^15: scores max error ${worst.toExponential(2)}; unflooded error rms ${raw.toFixed(1)} per coefficient (assumed ≤ ${(fp.errorL2 / Math.sqrt(ctx.ringDegree)).toFixed(1)}); flooded ${flooded.toExponential(3)} (σ_f ${fp.sigma.toExponential(3)}); readout slack ${fp.readoutSlackBits.toFixed(2)} bits`);
    expect(raw).toBeLessThanOrEqual(fp.errorL2 / Math.sqrt(ctx.ringDegree));
    expect(Math.abs(flooded / fp.sigma - 1)).toBeLessThan(0.03);
  });
});
