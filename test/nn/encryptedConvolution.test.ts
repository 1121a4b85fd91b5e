// Encrypted multiplexed convolution (EncryptedLinearMap over convolutionMap) at N = 2^11, INSECURE, against conv2d
// per patch (src/nn/conv2d.ts) on the same inputs: 3×3 stride 1 (double hoisting), 3×3 stride 2 with the gap doubling
// and the windowed fold (single hoisting), a residual map with two inputs at different scales. Also: the planned
// key switches equal the evaluator's counters, and the planner's key set is exactly what evaluation needs (it works
// with exactly those keys; without any one of them it is MISSING_KEY).
// Tolerance: inputs and weights in [−1, 1], Δ = 2^40: ‖y − conv2d(x)‖_∞ ≤ 2^-20 (measured 2^-27 … 2^-25; a wrong
// diagonal or rotation gives errors ≈ 0.1 – 1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { conv2d, type ConvWeight } from '../../src/nn/conv2d.js';
import { addChannelScale, addConvolution, convolutionMap, mapFrame, type PatchConv } from '../../src/nn/encrypted/convolutionMap.js';
import { EncryptedLinearMap, packPairs } from '../../src/nn/encrypted/encryptedLinearMap.js';
import { deriveLayout, packedLayout } from '../../src/nn/encrypted/packedLayout.js';
import { PlaintextStore } from '../../src/nn/encrypted/plaintextStore.js';
import { planKeySwitches } from '../../src/nn/encrypted/slotLinearMap.js';
import type { Tensor3 } from '../../src/nn/tensor.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { encryptedFixture, maxAbsDiff, rng, type EncryptedFixture } from './encryptedFixture.js';
import { ThreadPool } from '../../src/ckks/parallel/index.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { workerUrl } from '../support/workerScript.js';

const TOL = 2 ** -20;
let f: EncryptedFixture;
beforeAll(() => {
  f = encryptedFixture({ logN: 11, logQ: [55, 40, 40], logP: [61], logDefaultScale: 40 }, 11);
});

const r = rng(5);
const vec = (n: number) => Float64Array.from({ length: n }, r);
const weight = (o: number, i: number, k: number): ConvWeight => ({ outC: o, inC: i, k, data: vec(o * i * k * k) });
const tensor = (c: number, side: number): Tensor3 => ({ c, h: side, w: side, data: vec(c * side * side) });
const twin = (x: Tensor3[], convs: PatchConv[]) => x.map((t, p) => conv2d(t, convs[p]!.weight, { stride: convs[p]!.stride, padding: convs[p]!.padding }));

describe('encrypted multiplexed convolution vs conv2d (N = 2^11, insecure)', () => {
  const inL = packedLayout({ slots: 1024, gridRows: 2, gridCols: 2, patchSize: 4, gap: 1, channels: 3 });

  it('3×3 stride 1, four patches, double hoisting; key switches as planned; exactly the planned keys', () => {
    const outL = deriveLayout(inL, 4, 1);
    const convs = Array.from({ length: 4 }, () => ({ weight: weight(4, 3, 3), stride: 1, padding: 1 }));
    const x = Array.from({ length: 4 }, () => tensor(3, 4));
    const layer = new EncryptedLinearMap('conv', () => convolutionMap(inL, outL, convs), { level: 2, inputScales: [2 ** 40], outputScale: 2 ** 40 });
    const ev = f.evaluatorFor(layer.rotationSteps());
    const cts = f.encryptTensors(inL, x, 2, 2 ** 40);
    const before = ev.keySwitchCounters.keySwitches;
    const y = layer.evaluate(ev, f.encoder, cts, new PlaintextStore());
    expect(ev.keySwitchCounters.keySwitches - before).toBe(planKeySwitches(layer.plan));
    expect(y[0]!.level).toBe(1);
    expect(y[0]!.scale).toBe(2 ** 40);
    expect(maxAbsDiff(f.decryptTensors(outL, y), twin(x, convs))).toBeLessThanOrEqual(TOL);
    for (const drop of layer.rotationSteps()) {
      const partial = f.evaluatorFor(layer.rotationSteps().filter((s) => s !== drop));
      expectCkksError(() => layer.evaluate(partial, f.encoder, cts), 'MISSING_KEY');
    }
  });

  it('3×3 stride 2 (gap 1 → 2, windowed fold), single hoisting, weights encoded on the fly', () => {
    const outL = deriveLayout(inL, 6, 2);
    expect(outL.period).toBeLessThan(inL.period);
    const convs = Array.from({ length: 4 }, () => ({ weight: weight(6, 3, 3), stride: 2, padding: 1 }));
    const x = Array.from({ length: 4 }, () => tensor(3, 4));
    const layer = new EncryptedLinearMap('conv-s2', () => convolutionMap(inL, outL, convs), { level: 2, inputScales: [2 ** 40], outputScale: 2 ** 38, hoisting: 'single' });
    expect(layer.plan.fold.length).toBeGreaterThan(0);
    const ev = f.evaluatorFor(layer.rotationSteps());
    const store = new PlaintextStore(0);
    const before = ev.keySwitchCounters.keySwitches;
    const y = layer.evaluate(ev, f.encoder, f.encryptTensors(inL, x, 2, 2 ** 40), store);
    expect(ev.keySwitchCounters.keySwitches - before).toBe(planKeySwitches(layer.plan));
    expect(store.onTheFly).toBe(layer.diagonals);
    expect(y[0]!.scale).toBe(2 ** 38);
    expect(maxAbsDiff(f.decryptTensors(outL, y), twin(x, convs))).toBeLessThanOrEqual(TOL);
  });

  it('residual map: conv(w) + a ⊙ u with inputs at different scales meets at one level and scale', () => {
    const l = deriveLayout(inL, 3, 1);
    const convs = Array.from({ length: 4 }, () => ({ weight: weight(3, 3, 3), stride: 1, padding: 1 }));
    const scales = Array.from({ length: 4 }, () => ({ scale: vec(3) }));
    const w = Array.from({ length: 4 }, () => tensor(3, 4));
    const u = Array.from({ length: 4 }, () => tensor(3, 4));
    const build = () => {
      const frame = mapFrame([{ layout: l }, { layout: l }], l);
      addConvolution(frame, 0, l, l, convs);
      addChannelScale(frame, 1, l, scales);
      return frame.builder.build();
    };
    const layer = new EncryptedLinearMap('residual', build, { level: 2, inputScales: [2 ** 40, 2 ** 36], outputScale: 2 ** 40 });
    const store = new PlaintextStore();
    layer.prepare(f.encoder, store);
    expect(store.size).toBe(layer.diagonals);
    const ev = f.evaluatorFor(layer.rotationSteps());
    const y = layer.evaluate(ev, f.encoder, [...f.encryptTensors(l, w, 2, 2 ** 40), ...f.encryptTensors(l, u, 2, 2 ** 36)], store);
    expect(store.onTheFly).toBe(0);
    const want = twin(w, convs).map((t, p) => ({ ...t, data: t.data.map((v, j) => v + scales[p]!.scale[Math.floor(j / 16)]! * u[p]!.data[j]!) }));
    expect(maxAbsDiff(f.decryptTensors(l, y), want)).toBeLessThanOrEqual(TOL);
  });

  it('refuses inputs at another level or scale than prepared', () => {
    const outL = deriveLayout(inL, 2, 1);
    const convs = Array.from({ length: 4 }, () => ({ weight: weight(2, 3, 1), stride: 1, padding: 0 }));
    const layer = new EncryptedLinearMap('c', () => convolutionMap(inL, outL, convs), { level: 2, inputScales: [2 ** 40], outputScale: 2 ** 40 });
    const ev = f.evaluatorFor(layer.rotationSteps());
    const x = Array.from({ length: 4 }, () => tensor(3, 4));
    expectCkksError(() => layer.evaluate(ev, f.encoder, f.encryptTensors(inL, x, 1, 2 ** 40)), 'LEVEL_MISMATCH');
    expectCkksError(() => layer.evaluate(ev, f.encoder, f.encryptTensors(inL, x, 2, 2 ** 39)), 'SCALE_MISMATCH');
  });

  it('a store shared by two layers with one name: the second gets INCOMPATIBLE_PARAMETERS, never the first one\'s weights', () => {
    const outL = deriveLayout(inL, 4, 1);
    const convsA = Array.from({ length: 4 }, () => ({ weight: weight(4, 3, 3), stride: 1, padding: 1 }));
    const convsB = Array.from({ length: 4 }, () => ({ weight: weight(4, 3, 3), stride: 1, padding: 1 }));
    const options = { level: 2, inputScales: [2 ** 40], outputScale: 2 ** 40 };
    const a = new EncryptedLinearMap('conv', () => convolutionMap(inL, outL, convsA), options);
    const b = new EncryptedLinearMap('conv', () => convolutionMap(inL, outL, convsB), options);
    const ev = f.evaluatorFor(a.rotationSteps());
    const x = Array.from({ length: 4 }, () => tensor(3, 4));
    const cts = f.encryptTensors(inL, x, 2, 2 ** 40);
    const store = new PlaintextStore();
    expect(a.prepare(f.encoder, store)).toBe(a.diagonals);
    expectCkksError(() => b.evaluate(ev, f.encoder, cts, store), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => b.prepare(f.encoder, store), 'INCOMPATIBLE_PARAMETERS');
    // the owner still reads its own entries, and b is right with a store of its own
    expect(maxAbsDiff(f.decryptTensors(outL, a.evaluate(ev, f.encoder, cts, store)), twin(x, convsA))).toBeLessThanOrEqual(TOL);
    expect(maxAbsDiff(f.decryptTensors(outL, b.evaluate(ev, f.encoder, cts, new PlaintextStore())), twin(x, convsB))).toBeLessThanOrEqual(TOL);
  });

  it('complex packing: a paired two-ciphertext input (2·Re) and a y0 + i·y1 accumulator (2·Re, 2·Im), one conjugation each', () => {
    const l = packedLayout({ slots: 1024, gridRows: 2, gridCols: 2, patchSize: 4, gap: 1, channels: 8, blocksPerCiphertext: 4 });
    expect(l.ciphertexts).toBe(2);
    const x = Array.from({ length: 4 }, () => tensor(8, 4));
    const convs = Array.from({ length: 4 }, () => ({ weight: weight(8, 8, 3), stride: 1, padding: 1, bias: vec(8) }));
    const paired = new EncryptedLinearMap('paired', () => convolutionMap(l, l, convs, { paired: true }), { level: 2, inputScales: [2 ** 40], outputScale: 2 ** 40 });
    expect(paired.outputMode).toBe('real');
    const ev = f.evaluatorFor(paired.rotationSteps(), true);
    const before = ev.keySwitchCounters.keySwitches;
    const y = paired.evaluate(ev, f.encoder, packPairs(ev, f.encryptTensors(l, x, 2, 2 ** 40)));
    expect(ev.keySwitchCounters.keySwitches - before).toBe(paired.keySwitches);
    const want = twin(x, convs).map((t, p) => ({ ...t, data: t.data.map((v, j) => v + convs[p]!.bias[Math.floor(j / 16)]!) }));
    expect(maxAbsDiff(f.decryptTensors(l, y), want)).toBeLessThanOrEqual(TOL);
    const convs3 = Array.from({ length: 4 }, () => ({ weight: weight(8, 3, 3), stride: 1, padding: 1 }));
    const x3 = Array.from({ length: 4 }, () => tensor(3, 4));
    const ri = new EncryptedLinearMap('realImag', () => convolutionMap(inL, l, convs3, { realImag: true }), { level: 2, inputScales: [2 ** 40], outputScale: 2 ** 40 });
    const ev3 = f.evaluatorFor(ri.rotationSteps(), true);
    const y3 = ri.evaluate(ev3, f.encoder, f.encryptTensors(inL, x3, 2, 2 ** 40));
    expect(y3.length).toBe(2);
    expect(maxAbsDiff(f.decryptTensors(l, y3), twin(x3, convs3))).toBeLessThanOrEqual(TOL);
  });

  it('random shapes, kernels 1/3, strides 1/2, paddings, patch grids, hoisting (fast-check, 5 runs)', () => {
    fc.assert(fc.property(
      fc.record({ grid: fc.constantFrom([1, 2], [2, 2], [2, 1]), inC: fc.integer({ min: 1, max: 4 }), outC: fc.integer({ min: 1, max: 5 }), k: fc.constantFrom(1, 3), stride: fc.constantFrom(1, 2), pad: fc.integer({ min: 0, max: 1 }), double: fc.boolean() }),
      ({ grid, inC, outC, k, stride, pad, double }) => {
        const [gr, gc] = grid as [number, number];
        const l = packedLayout({ slots: 1024, gridRows: gr, gridCols: gc, patchSize: 4, gap: 1, channels: inC });
        const padding = Math.min(pad, Math.floor(k / 2));
        const side = Math.floor((4 + 2 * padding - k) / stride) + 1;
        const out = deriveLayout(l, outC, stride, side);
        const convs = Array.from({ length: gr * gc }, () => ({ weight: weight(outC, inC, k), stride, padding }));
        const x = Array.from({ length: gr * gc }, () => tensor(inC, 4));
        const layer = new EncryptedLinearMap('c', () => convolutionMap(l, out, convs), { level: 2, inputScales: [2 ** 40], outputScale: 2 ** 40, hoisting: double ? 'double' : 'single' });
        const y = layer.evaluate(f.evaluatorFor(layer.rotationSteps()), f.encoder, f.encryptTensors(l, x, 2, 2 ** 40));
        expect(maxAbsDiff(f.decryptTensors(out, y), twin(x, convs))).toBeLessThanOrEqual(TOL);
      },
    ), { numRuns: 5 });
  });
});

describe('with a 2-thread pool (N = 2^11, insecure): intermediates handed back, the same words as one thread', () => {
  let pool: ThreadPool | undefined;
  afterAll(() => pool?.dispose());

  /** Paired input + conjugation fold ('real'), a y0 + i·y1 accumulator ('realImag'), stride 2 with windowed fold,
   * single hoisting, diagonals encoded on the fly and a bias: every release path of EncryptedLinearMap. */
  const run = (fx: EncryptedFixture): { out: Ciphertext[]; inputs: Ciphertext[] } => {
    const g = rng(99);
    const v = (n: number) => Float64Array.from({ length: n }, g);
    const t = (c: number): Tensor3 => ({ c, h: 4, w: 4, data: v(c * 16) });
    const l8 = packedLayout({ slots: 1024, gridRows: 2, gridCols: 2, patchSize: 4, gap: 1, channels: 8, blocksPerCiphertext: 4 });
    const l3 = packedLayout({ slots: 1024, gridRows: 2, gridCols: 2, patchSize: 4, gap: 1, channels: 3 });
    const c88 = Array.from({ length: 4 }, () => ({ weight: { outC: 8, inC: 8, k: 3, data: v(576) }, stride: 1, padding: 1, bias: v(8) }));
    const c38 = Array.from({ length: 4 }, () => ({ weight: { outC: 8, inC: 3, k: 3, data: v(216) }, stride: 1, padding: 1 }));
    const s2 = deriveLayout(l3, 6, 2);
    const c36 = Array.from({ length: 4 }, () => ({ weight: { outC: 6, inC: 3, k: 3, data: v(162) }, stride: 2, padding: 1, bias: v(6) }));
    const maps = [
      new EncryptedLinearMap('paired', () => convolutionMap(l8, l8, c88, { paired: true }), { level: 2, inputScales: [2 ** 40], outputScale: 2 ** 40 }),
      new EncryptedLinearMap('realImag', () => convolutionMap(l3, l8, c38, { realImag: true }), { level: 2, inputScales: [2 ** 40], outputScale: 2 ** 40, hoisting: 'single' }),
      new EncryptedLinearMap('s2', () => convolutionMap(l3, s2, c36), { level: 2, inputScales: [2 ** 40], outputScale: 2 ** 38, hoisting: 'single' }),
    ];
    const ev = fx.evaluatorFor([...new Set(maps.flatMap((m) => m.rotationSteps()))], true);
    const x8 = fx.encryptTensors(l8, Array.from({ length: 4 }, () => t(8)), 2, 2 ** 40);
    const x3 = fx.encryptTensors(l3, Array.from({ length: 4 }, () => t(3)), 2, 2 ** 40);
    const pairs = packPairs(ev, x8);
    const out = [...maps[0]!.evaluate(ev, fx.encoder, pairs), ...maps[1]!.evaluate(ev, fx.encoder, x3), ...maps[2]!.evaluate(ev, fx.encoder, x3, new PlaintextStore(0))];
    return { out, inputs: [...x8, ...x3, ...pairs] };
  };
  const words = (cts: readonly Ciphertext[]) => cts.map((c) => c.parts.flatMap((p) => [...p.data]));

  it('paired/real, realImag, strided single-hoisted maps with on-the-fly diagonals and biases', async () => {
    const want = run(encryptedFixture({ logN: 11, logQ: [55, 40, 40], logP: [61], logDefaultScale: 40 }, 12));
    pool = await ThreadPool.create({ threads: 2, workerUrl: workerUrl(), minParallelWork: 0 });
    const fp = encryptedFixture({ logN: 11, logQ: [55, 40, 40], logP: [61], logDefaultScale: 40 }, 12, pool);
    const got = run(fp);
    const inputWords = words(got.inputs);
    const reused = pool.recycler.counters.reused;
    const again = run(fp); // a second round runs on the buffers the first handed back
    expect(pool.recycler.counters.reused - reused).toBeGreaterThan(100);
    expect(words(got.out)).toEqual(words(want.out));
    expect(words(got.inputs)).toEqual(inputWords); // inputs and earlier results are never handed back
    expect(words(got.inputs)).toEqual(words(want.inputs));
    expect(again.out.length).toBe(want.out.length);
  });
});
