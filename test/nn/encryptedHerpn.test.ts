// Encrypted HerPN in one level (src/nn/encrypted/encryptedHerpn.ts) at N = 2^11, INSECURE, against herpnMonic
// (src/nn/herpn.ts) per patch: per-patch per-channel coefficients, a multi-ciphertext layout, output level ℓ − 1 and
// scale exactly s²/q_ℓ, one relinearisation per ciphertext.
// Tolerance: |x| ≤ 2, |a1|, |a0| ≤ 4 (outputs ≤ 16), Δ = 2^40: ≤ 2^-22 (measured ≈ 2^-28; a wrong channel
// constant or a missing term gives ≥ 1e-2).
import { beforeAll, describe, expect, it } from 'vitest';
import { herpnMonic } from '../../src/nn/herpn.js';
import { EncryptedHerpn } from '../../src/nn/encrypted/encryptedHerpn.js';
import { packedLayout } from '../../src/nn/encrypted/packedLayout.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { encryptedFixture, maxAbsDiff, rng, type EncryptedFixture } from './encryptedFixture.js';

let f: EncryptedFixture;
beforeAll(() => {
  f = encryptedFixture({ logN: 11, logQ: [55, 40, 40], logP: [61], logDefaultScale: 40 }, 21);
});

describe('encrypted HerPN (one level) vs herpnMonic', () => {
  it('two ciphertexts, four patches with their own coefficients', () => {
    const r = rng(9);
    const l = packedLayout({ slots: 1024, gridRows: 2, gridCols: 2, patchSize: 4, gap: 1, channels: 6, blocksPerCiphertext: 4 });
    expect(l.ciphertexts).toBe(2);
    const coefficients = Array.from({ length: 4 }, () => ({ a1: Float64Array.from({ length: 6 }, () => 4 * r()), a0: Float64Array.from({ length: 6 }, () => 4 * r()) }));
    const x = Array.from({ length: 4 }, () => ({ c: 6, h: 4, w: 4, data: Float64Array.from({ length: 96 }, () => 2 * r()) }));
    const q = Number(f.ctx.params.Q[2]!);
    const s = Math.sqrt(2 ** 40 * q);
    const layer = new EncryptedHerpn('herpn', l, coefficients, 2, s, q);
    const ev = f.evaluatorFor([]);
    const before = ev.keySwitchCounters.keySwitches;
    const y = layer.evaluate(ev, f.encoder, f.encryptTensors(l, x, 2, s));
    expect(ev.keySwitchCounters.keySwitches - before).toBe(layer.keySwitches);
    expect(y.map((c) => c.level)).toEqual([1, 1]);
    expect(y[0]!.scale).toBe(s * s / q);
    expect(Math.abs(Math.log2(y[0]!.scale) - 40)).toBeLessThan(1e-9);
    const want = x.map((t, p) => herpnMonic(t, coefficients[p]!.a1, coefficients[p]!.a0));
    expect(maxAbsDiff(f.decryptTensors(l, y), want)).toBeLessThanOrEqual(2 ** -22);
  });

  it('refuses level 0 and a mismatched input scale', () => {
    const l = packedLayout({ slots: 1024, gridRows: 1, gridCols: 1, patchSize: 4, gap: 1, channels: 1 });
    const c = [{ a1: new Float64Array(1), a0: new Float64Array(1) }];
    expectCkksError(() => new EncryptedHerpn('h', l, c, 0, 2 ** 40, 2 ** 55), 'DEPTH_EXHAUSTED');
    const layer = new EncryptedHerpn('h', l, c, 2, 2 ** 40, Number(f.ctx.params.Q[2]!));
    const x = [{ c: 1, h: 4, w: 4, data: new Float64Array(16) }];
    expectCkksError(() => layer.evaluate(f.evaluatorFor([]), f.encoder, f.encryptTensors(l, x, 2, 2 ** 39)), 'SCALE_MISMATCH');
  });
});
