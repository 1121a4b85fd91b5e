// Encrypted pooling + gather + fusion (src/nn/encrypted/encryptedFusion.ts) at N = 2^12, INSECURE, against the
// float64 twins adaptiveAvgPool2d → per-feature affine → linear, summed over four patches (src/nn). Two levels, the
// key switches as planned, exactly the planned keys.
// Tolerance: inputs in [−1, 1], weights in [−1, 1], 32 features per patch (rows of A sum ≤ 32 in magnitude),
// Δ = 2^40: ≤ 2^-16 (measured ≈ 2^-24; a misplaced feature or replica gives ≥ 1e-2).
import { beforeAll, describe, expect, it } from 'vitest';
import { adaptiveAvgPool2d } from '../../src/nn/pool.js';
import { linear } from '../../src/nn/linear.js';
import { EncryptedPoolingFusion } from '../../src/nn/encrypted/encryptedFusion.js';
import { packedLayout } from '../../src/nn/encrypted/packedLayout.js';
import { PlaintextStore } from '../../src/nn/encrypted/plaintextStore.js';
import { encryptedFixture, rng, type EncryptedFixture } from './encryptedFixture.js';

let f: EncryptedFixture;
beforeAll(() => {
  f = encryptedFixture({ logN: 12, logQ: [55, 40, 40], logP: [61], logDefaultScale: 40 }, 31);
});

describe('encrypted pooling + fusion vs adaptiveAvgPool2d, affine, linear', () => {
  it('four 4×4 patches of 8 channels at gap 4 → 2×2 pooled, 32 features, 32×32 fusion blocks', () => {
    const r = rng(4);
    const l = packedLayout({ slots: 2048, gridRows: 2, gridCols: 2, patchSize: 16, gap: 4, channels: 8 });
    const vec = (n: number) => Float64Array.from({ length: n }, r);
    const weights = {
      scale: Array.from({ length: 4 }, () => vec(32)),
      shift: Array.from({ length: 4 }, () => vec(32)),
      matrices: Array.from({ length: 4 }, () => ({ rows: 32, cols: 32, data: vec(1024) })),
      bias: vec(32),
    };
    const layer = new EncryptedPoolingFusion('pool', l, 2, weights, 2, 2 ** 40, 2 ** 40, 2 ** 40);
    const a = layer.arrangement;
    expect([a.replicas, a.babies]).toEqual([8, 4]);
    const ev = f.evaluatorFor(layer.rotationSteps());
    const x = Array.from({ length: 4 }, () => ({ c: 8, h: 4, w: 4, data: vec(128) }));
    const store = new PlaintextStore();
    layer.prepare(f.encoder, store);
    const before = ev.keySwitchCounters.keySwitches;
    const y = layer.evaluate(ev, f.encoder, f.encryptTensors(l, x, 2, 2 ** 40), store);
    const ks = layer.keySwitches;
    expect(ev.keySwitchCounters.keySwitches - before).toBe(ks.pooling + ks.fusion);
    expect(y.level).toBe(0);
    const got = f.decryptVectors([y])[0]!;
    const want = Float64Array.from(weights.bias);
    x.forEach((t, p) => {
      const pooled = adaptiveAvgPool2d(t, 2, 2).data.map((v, i) => v * weights.scale[p]![i]! + weights.shift[p]![i]!);
      linear(weights.matrices[p]!, pooled).forEach((v, j) => { want[j] = want[j]! + v; });
    });
    let e = 0;
    want.forEach((v, j) => { e = Math.max(e, Math.abs(got[j]! - v)); });
    expect(e).toBeLessThanOrEqual(2 ** -16);
  });
});
