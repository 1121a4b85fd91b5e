// The assembled encrypted CryptoFaceNet (src/face/encrypted/encryptedCfnet.ts) on a REDUCED network (the CFNet4
// structure with channels 4-4-8-8-16-16, 16×16 patches, 2×2 patches, random weights) at N = 2^12, INSECURE, with the
// test-only oracle refresh before block 4: every traced layer (stem, block0 … block4) and the fused output against
// the float64 forward pass of src/face (patchForward per patch, summed), keys exactly the planned set, key switches
// as planned, levels as documented (stem 1, block 4, pool HerPN 1, gather 1, fusion 1).
// Tolerance: max|enc − float64| ≤ 1e-5·max(1, max|float64|) per layer (Δ = 2^40; measured ≈ 1e-8 … 1e-7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchForward } from '../../src/face/model.js';
import { EncryptedCfnet } from '../../src/face/encrypted/encryptedCfnet.js';
import { unpackTensors } from '../../src/nn/encrypted/packedLayout.js';
import { PlaintextStore } from '../../src/nn/encrypted/plaintextStore.js';
import type { Tensor3 } from '../../src/nn/tensor.js';
import { encryptedFixture, rng, type EncryptedFixture } from '../nn/encryptedFixture.js';
import { OracleRefreshForTestsOnly } from '../support/oracleRefresh.js';
import { reducedNetwork } from './reducedNetwork.js';
import { ThreadPool } from '../../src/ckks/parallel/index.js';
import { workerUrl } from '../support/workerScript.js';

// fresh shared buffers a second pass may take (measured: 23 with the layers releasing their intermediates, 1,024 without)
const FRESH_BOUND = 50;
const LITERAL = { logN: 12, logQ: [55, ...new Array<number>(17).fill(40)], logP: new Array<number>(6).fill(61), logDefaultScale: 40 };
let f: EncryptedFixture;
/** The fused output's words from the first test (one thread), for the pooled run to match. */
let oneThreadWords: bigint[] | undefined;
beforeAll(() => {
  f = encryptedFixture(LITERAL, 41);
});

describe('encrypted CryptoFaceNet (reduced, N = 2^12, insecure, oracle refresh) vs the float64 forward pass', () => {
  it('every layer and the fused feature', () => {
    const t0 = performance.now();
    const { weights, patches, net, ev, store, refresh, input } = reducedSetup(f);
    // float64 twin, per patch with its trace
    const plain = new Map<string, Tensor3[]>();
    const y = new Float64Array(weights.fcBias.length);
    patches.forEach((x, p) => {
      const part = patchForward(weights.patches[p]!, weights.fcBias, x, (name, v) => {
        if (!(v instanceof Float64Array)) plain.set(name, [...(plain.get(name) ?? []), v]);
      });
      part.forEach((v, j) => { y[j] = y[j]! + v; });
    });
    const rows = net.report(f.encoder);
    expect(rows.find((x) => x.name === 'stem')).toMatchObject({ levelIn: 17, levelOut: 16 });
    expect(rows.find((x) => x.name === 'block3.conv2+shortcut')?.levelOut).toBe(0);
    expect(rows.find((x) => x.name === 'block4.herpn1')?.levelIn).toBe(7);
    expect(rows[rows.length - 1]!.levelOut).toBe(0);
    // keys restricted to the level each step is used at (the planner's levels must be enough)
    expect([...net.rotationKeyLevels().keys()]).toEqual(net.rotationSteps());
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
    oneThreadWords = out.parts.flatMap((p) => [...p.data]);
    const got = f.decryptVectors([out])[0]!;
    let e = 0;
    let m = 1;
    y.forEach((v, j) => { e = Math.max(e, Math.abs(got[j]! - v)); m = Math.max(m, Math.abs(v)); });
    expect(e / m).toBeLessThanOrEqual(1e-5);
    console.log(`reduced encrypted CFNet (N = 2^12): ${seconds.toFixed(1)} s, fused max error ${e.toExponential(2)} (max |y| ${m.toFixed(2)}), per layer ${JSON.stringify(worst)}; ${rows.reduce((a, x) => a + x.keySwitches, 0)} key switches, ${net.rotationSteps().length} rotation keys`);
  });
});

describe('the same reduced network with a 2-thread pool (N = 2^12, insecure): layer intermediates are recycled', () => {
  let pool: ThreadPool | undefined;
  afterAll(() => pool?.dispose());

  it('the same words as one thread; a second forward pass takes almost all its memory from released buffers', async () => {
    pool = await ThreadPool.create({ threads: 2, workerUrl: workerUrl(), minParallelWork: 0 });
    // the one-thread result: the first test's, or (when it did not run) the same forward pass on a fresh fixture
    const reference = oneThreadWords ?? (() => {
      const r1 = reducedSetup(encryptedFixture(LITERAL, 41));
      return r1.net.forward(r1.ev, r1.fx.encoder, r1.input, r1.refresh, { store: r1.store }).parts.flatMap((p) => [...p.data]);
    })();
    const { fx: fp, net, ev, store, refresh, input, patches } = reducedSetup(encryptedFixture(LITERAL, 41, pool)); // same seed, keys, draws
    const inputWords = input.map((c) => c.parts.flatMap((p) => [...p.data]));
    const first = net.forward(ev, fp.encoder, input, refresh, { store });
    expect(first.parts.flatMap((p) => [...p.data])).toEqual(reference);
    const { fresh, reused } = pool.recycler.counters;
    // a second pass on a fresh encryption of the same input (its refresh draws differ, so only the counts are compared)
    const again = fp.encryptVectors(net.packInput(patches), net.inputLevel, net.inputScale);
    const second = net.forward(ev, fp.encoder, again, refresh, { store });
    const freshSecond = pool.recycler.counters.fresh - fresh;
    const reusedSecond = pool.recycler.counters.reused - reused;
    console.log(`reduced encrypted CFNet, 2 threads, second forward pass: ${freshSecond} fresh shared buffers, ${reusedSecond} reused, ${pool.recycler.counters.evicted} evicted in all`);
    expect(freshSecond).toBeLessThanOrEqual(FRESH_BOUND);
    // nothing the caller holds was handed back: the inputs and the first output are unchanged
    expect(input.map((c) => c.parts.flatMap((p) => [...p.data]))).toEqual(inputWords);
    expect(first.parts.flatMap((p) => [...p.data])).toEqual(reference);
    expect(second.level).toBe(first.level);
  });
});

/** The reduced network compiled for `fx`, its keys, encoded weights, refresh oracle and one encrypted input. */
function reducedSetup(fx: EncryptedFixture) {
  const weights = reducedNetwork({ grid: 2, channels: [4, 4, 8, 8, 16, 16] }, 5);
  const r = rng(77);
  const patches: Tensor3[] = Array.from({ length: 4 }, () => ({ c: 3, h: 16, w: 16, data: Float64Array.from({ length: 768 }, r) }));
  const net = EncryptedCfnet.compile(fx.ctx, weights, { slots: 2048, patchSize: 16, inputLevel: 17, refreshLevel: 7 });
  const ev = fx.evaluatorForLevels(net.rotationKeyLevels(), net.relinearizationLevel(), net.conjugationLevel());
  const store = new PlaintextStore();
  net.prepare(fx.encoder, store);
  const refresh = new OracleRefreshForTestsOnly(fx.encoder, fx.decryptor, fx.encryptor, fx.pk, net.refreshLevel, net.refreshScale);
  const input = fx.encryptVectors(net.packInput(patches), net.inputLevel, net.inputScale);
  return { fx, weights, patches, net, ev, store, refresh, input };
}
