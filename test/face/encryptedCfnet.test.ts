// The assembled encrypted CryptoFaceNet (src/face/encrypted/encryptedCfnet.ts) on a REDUCED network (the CFNet4
// structure with channels 4-4-8-8-16-16, 16×16 patches, 2×2 patches, random weights) at N = 2^12, INSECURE, with the
// test-only oracle refresh before block 4: every traced layer (stem, block0 … block4) and the fused output against
// the float64 forward pass of src/face (patchForward per patch, summed), keys exactly the planned set, key switches
// as planned, levels as documented (stem 1, block 4, pool HerPN 1, gather 1, fusion 1).
// Tolerance: max|enc − float64| ≤ 1e-5·max(1, max|float64|) per layer (Δ = 2^40; measured ≈ 1e-8 … 1e-7).
import { beforeAll, describe, expect, it } from 'vitest';
import { patchForward } from '../../src/face/model.js';
import { EncryptedCfnet } from '../../src/face/encrypted/encryptedCfnet.js';
import { unpackTensors } from '../../src/nn/encrypted/packedLayout.js';
import { PlaintextStore } from '../../src/nn/encrypted/plaintextStore.js';
import type { Tensor3 } from '../../src/nn/tensor.js';
import { encryptedFixture, rng, type EncryptedFixture } from '../nn/encryptedFixture.js';
import { OracleRefreshForTestsOnly } from '../support/oracleRefresh.js';
import { reducedNetwork } from './reducedNetwork.js';

let f: EncryptedFixture;
beforeAll(() => {
  f = encryptedFixture({ logN: 12, logQ: [55, ...new Array<number>(17).fill(40)], logP: new Array<number>(6).fill(61), logDefaultScale: 40 }, 41);
});

describe('encrypted CryptoFaceNet (reduced, N = 2^12, insecure, oracle refresh) vs the float64 forward pass', () => {
  it('every layer and the fused feature', () => {
    const weights = reducedNetwork({ grid: 2, channels: [4, 4, 8, 8, 16, 16] }, 5);
    const r = rng(77);
    const patches: Tensor3[] = Array.from({ length: 4 }, () => ({ c: 3, h: 16, w: 16, data: Float64Array.from({ length: 768 }, r) }));
    // float64 twin, per patch with its trace
    const plain = new Map<string, Tensor3[]>();
    const y = new Float64Array(weights.fcBias.length);
    patches.forEach((x, p) => {
      const part = patchForward(weights.patches[p]!, weights.fcBias, x, (name, v) => {
        if (!(v instanceof Float64Array)) plain.set(name, [...(plain.get(name) ?? []), v]);
      });
      part.forEach((v, j) => { y[j] = y[j]! + v; });
    });

    const t0 = performance.now();
    const net = EncryptedCfnet.compile(f.ctx, weights, { slots: 2048, patchSize: 16, inputLevel: 17, refreshLevel: 7 });
    const rows = net.report(f.encoder);
    expect(rows.find((x) => x.name === 'stem')).toMatchObject({ levelIn: 17, levelOut: 16 });
    expect(rows.find((x) => x.name === 'block3.conv2+shortcut')?.levelOut).toBe(0);
    expect(rows.find((x) => x.name === 'block4.herpn1')?.levelIn).toBe(7);
    expect(rows[rows.length - 1]!.levelOut).toBe(0);
    // keys restricted to the level each step is used at (the planner's levels must be enough)
    const keyLevels = net.rotationKeyLevels();
    expect([...keyLevels.keys()]).toEqual(net.rotationSteps());
    const ev = f.evaluatorForLevels(keyLevels, net.relinearizationLevel(), net.conjugationLevel());
    const store = new PlaintextStore();
    net.prepare(f.encoder, store);
    const refresh = new OracleRefreshForTestsOnly(f.encoder, f.decryptor, f.encryptor, f.pk, net.refreshLevel, net.refreshScale);
    const input = f.encryptVectors(net.packInput(patches), net.inputLevel, net.inputScale);
    const before = ev.keySwitchCounters.keySwitches;
    const worst: Record<string, number> = {};
    const out = net.forward(ev, f.encoder, input, refresh, { store, trace: (name, layout, cts) => {
      if (layout === undefined || !plain.has(name)) return;
      const got = unpackTensors(layout, f.decryptVectors(cts));
      const want = plain.get(name)!;
      let e = 0;
      let m = 1;
      got.forEach((t, p) => t.data.forEach((v, j) => {
        e = Math.max(e, Math.abs(v - want[p]!.data[j]!));
        m = Math.max(m, Math.abs(want[p]!.data[j]!));
      }));
      worst[name] = e / m;
    } });
    const seconds = (performance.now() - t0) / 1000;
    expect(refresh.calls).toBe(1);
    expect(ev.keySwitchCounters.keySwitches - before).toBe(rows.reduce((a, x) => a + x.keySwitches, 0));
    expect(Object.keys(worst)).toEqual(['stem', 'block0', 'block1', 'block2', 'block3', 'block4']);
    for (const [name, e] of Object.entries(worst)) expect(e, name).toBeLessThanOrEqual(1e-5);
    const got = f.decryptVectors([out])[0]!;
    let e = 0;
    let m = 1;
    y.forEach((v, j) => { e = Math.max(e, Math.abs(got[j]! - v)); m = Math.max(m, Math.abs(v)); });
    expect(e / m).toBeLessThanOrEqual(1e-5);
    console.log(`reduced encrypted CFNet (N = 2^12): ${seconds.toFixed(1)} s, fused max error ${e.toExponential(2)} (max |y| ${m.toFixed(2)}), per layer ${JSON.stringify(worst)}; ${rows.reduce((a, x) => a + x.keySwitches, 0)} key switches, ${net.rotationSteps().length} rotation keys`);
  });
});
