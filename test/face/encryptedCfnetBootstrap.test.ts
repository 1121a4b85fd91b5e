// The encrypted CryptoFaceNet with the REAL bootstrapper as its refresh, on a REDUCED network (the CFNet4 structure
// with channels 4-4-8-8-16-16, 16×16 patches, 2×2 patches, random weights) at N = 2^12, INSECURE, on the CryptoFace
// chain shape scaled down (cryptofaceParameterSet: 17 levels before the refresh, CoeffsToSlots 3 + EvalMod 8 +
// SlotsToCoeffs 3, output level 14 = 7 for the network + 7 after the fusion; 2^10 sparse slots of 2^11, h' = 32).
// The whole client/server API: compileCryptoface → planNetworkKeys (sizes, sharing; and per phase) →
// generateNetworkKeys (no secret key leaves the client) → EncryptedFaceServer.create from evaluation keys alone, here
// with a PhasedKeySource (one phase's keys at a time — before the refresh, each CoeffsToSlots stage, SlotsToCoeffs,
// after — as at N = 2^16 to stay under the memory bar; the all-at-once
// path is exercised by test/face/protocol) → embed.
// Against the float64 forward pass of src/face (patchForward per patch, summed), every traced layer and the fused
// output. Tolerance: max|enc − float64| ≤ 1e-5·max(1, max|float64|) for every layer and the fused output, as the
// oracle-refresh test (measured: ≈ 1e-10 before the refresh at Δ = 2^45, ≈ 2e-7 for block 4 after the bootstrap,
// ≈ 3e-8 fused; the log line prints them). B = 2 for this network (its block-3 maximum is 0.79, checked below).
import { beforeAll, describe, expect, it } from 'vitest';
import { patchForward } from '../../src/face/model.js';
import { compileCryptoface, EncryptedFaceServer, type ServerKeyPhase } from '../../src/face/encrypted/encryptedFaceServer.js';
import { cryptofaceParameterSet } from '../../src/face/encrypted/cryptofaceParameters.js';
import { generateNetworkKeys, planNetworkKeys } from '../../src/face/encrypted/networkKeys.js';
import { unpackTensors } from '../../src/nn/encrypted/packedLayout.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import type { Tensor3 } from '../../src/nn/tensor.js';
import { encryptedFixture, rng, type EncryptedFixture } from '../nn/encryptedFixture.js';
import { seed } from '../scheme/helpers.js';
import { reducedNetwork } from './reducedNetwork.js';

const SET = cryptofaceParameterSet({ logN: 12, logSlots: 10, insecure: true });
/** B for the reduced network (its block-3 maximum is checked below to lie under it). */
const BOUND = 2;

let f: EncryptedFixture;
beforeAll(() => {
  f = encryptedFixture(SET.params, 43);
});

describe('encrypted CryptoFaceNet (reduced, N = 2^12, insecure) with the real bootstrap vs the float64 forward pass', () => {
  it('keys from the plan only, every layer and the fused feature, 7 levels left', () => {
    const weights = reducedNetwork({ grid: 2, channels: [4, 4, 8, 8, 16, 16] }, 5);
    const r = rng(77);
    const patches: Tensor3[] = Array.from({ length: 4 }, () => ({ c: 3, h: 16, w: 16, data: Float64Array.from({ length: 768 }, r) }));
    const plain = new Map<string, Tensor3[]>();
    const y = new Float64Array(weights.fcBias.length);
    patches.forEach((x, p) => {
      const part = patchForward(weights.patches[p]!, weights.fcBias, x, (name, v) => {
        if (!(v instanceof Float64Array)) plain.set(name, [...(plain.get(name) ?? []), v]);
      });
      part.forEach((v, j) => { y[j] = y[j]! + v; });
    });
    const block3Max = Math.max(...plain.get('block3')!.map((t) => Math.max(...t.data.map(Math.abs))));
    expect(block3Max).toBeLessThanOrEqual(BOUND / 1.5); // the bound holds with margin for this input

    const t0 = performance.now();
    const setup = compileCryptoface(f.ctx, weights, { set: SET, bound: BOUND, patchSize: 16 });
    expect(setup.net.refreshLayout()!.period).toBe(setup.bootstrapping.slots);
    expect(setup.bootstrapping.levels.output).toBe(SET.levels.refreshLevel);
    const plan = planNetworkKeys(setup.net, setup.bootstrapping);
    // shared keys (at least the conjugation and the relinearisation) are counted once
    expect(plan.galoisKeys.some((k) => k.usedBy === 'both')).toBe(true);
    expect(plan.bytes.total).toBeLessThan(plan.unsharedBytes);
    const order: ServerKeyPhase[] = ['beforeRefresh', 'coeffsToSlots:0', 'coeffsToSlots:1', 'coeffsToSlots:2', 'slotsToCoeffs', 'afterRefresh'];
    const phasePlans = new Map(order.map((ph) => [ph, planNetworkKeys(setup.net, setup.bootstrapping, ph)]));
    // the bootstrap's parts hold together exactly the keys of the whole bootstrap, at the same levels
    const whole = planNetworkKeys(setup.net, setup.bootstrapping, 'refresh').galoisKeys.map((k) => [k.galoisElement, k.level]);
    const parts = new Map<number, number>();
    for (const ph of order.slice(1, 5)) for (const k of phasePlans.get(ph)!.galoisKeys) parts.set(k.galoisElement, Math.max(parts.get(k.galoisElement) ?? -1, k.level));
    expect([...parts].sort((a, b) => a[0] - b[0])).toEqual(whole);
    const loads: ServerKeyPhase[] = [];
    // every key of the merged plan is in some phase, at a level at least as high
    for (const k of plan.galoisKeys) {
      const levels = [...phasePlans.values()].flatMap((q) => q.galoisKeys.filter((x) => x.galoisElement === k.galoisElement).map((x) => x.level));
      expect(Math.max(...levels), `element ${k.galoisElement}`).toBe(k.level);
    }
    const random = seededRandom(seed(44));
    const source = {
      load: (phase: ServerKeyPhase) => {
        loads.push(phase);
        const keys = generateNetworkKeys(phasePlans.get(phase)!, f.sk, { random });
        expect(keys.galoisKeys.size).toBe(phasePlans.get(phase)!.galoisKeys.length);
        return keys;
      },
    };
    const server = EncryptedFaceServer.create(f.ctx, weights, source, { set: SET, bound: BOUND, patchSize: 16 });
    const net = server.net;
    const input = f.encryptVectors(net.packInput(patches), net.inputLevel, net.inputScale);
    const worst: Record<string, number> = {};
    const out = server.embed(input, { trace: (name, layout, cts) => {
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
    expect(server.refresher.bootstraps).toBe(1);
    expect(loads).toEqual(['slotsToCoeffs', ...order]); // 'slotsToCoeffs' first at set-up (relinearisation, encapsulation)
    expect(out.level).toBe(SET.levelsAfterFusion);
    expect(SET.levelsAfterFusion).toBe(7);
    expect(Object.keys(worst)).toEqual(['stem', 'block0', 'block1', 'block2', 'block3', 'block4']);
    for (const name of ['stem', 'block0', 'block1', 'block2', 'block3']) expect(worst[name], name).toBeLessThanOrEqual(1e-5);
    expect(worst.block4).toBeLessThanOrEqual(1e-5);
    const got = f.decryptVectors([out])[0]!;
    let e = 0;
    let m = 1;
    y.forEach((v, j) => { e = Math.max(e, Math.abs(got[j]! - v)); m = Math.max(m, Math.abs(v)); });
    expect(e / m).toBeLessThanOrEqual(1e-5);
    console.log(`reduced encrypted CFNet + bootstrap (N = 2^12): ${seconds.toFixed(1)} s (bootstrap ${(server.refresher.milliseconds / 1000).toFixed(1)} s), `
      + `block-3 max ${block3Max.toFixed(2)} (B = ${BOUND}), fused max error ${e.toExponential(2)} (max |y| ${m.toFixed(2)}), per layer ${JSON.stringify(worst)}; `
      + `${plan.galoisKeys.length} Galois keys (${plan.galoisKeys.filter((k) => k.usedBy === 'both').length} shared), ${(plan.bytes.total / 1e6).toFixed(0)} MB (unshared ${(plan.unsharedBytes / 1e6).toFixed(0)} MB); `
      + `phases ${order.map((ph) => `${(phasePlans.get(ph)!.bytes.total / 1e6).toFixed(0)} MB`).join(' / ')}`);
  });
});
