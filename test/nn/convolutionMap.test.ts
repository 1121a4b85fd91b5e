// The multiplexed convolution as a packed linear map (src/nn/encrypted/convolutionMap.ts), evaluated in float64 on
// slot vectors (applyMapPlain) against conv2d (src/nn/conv2d.ts) per patch: kernel 1/3/5, stride 1/2 with the gap
// doubling, padding 0 … ⌊k/2⌋, per-patch weights, folded input/output scales and bias, 1–4 patches, multi-ciphertext
// layouts and windowed (folded) maps. Tolerance 1e-12 (float64 summation order only).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { conv2d, convOutSize, type ConvWeight } from '../../src/nn/conv2d.js';
import { addChannelScale, addConvolution, convolutionMap, mapFrame, type PatchConv } from '../../src/nn/encrypted/convolutionMap.js';
import { deriveLayout, packTensors, packedLayout, unpackTensors, type PackedLayout } from '../../src/nn/encrypted/packedLayout.js';
import { applyMapPlain } from '../../src/nn/encrypted/slotLinearMap.js';
import type { Tensor3 } from '../../src/nn/tensor.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return s / 2 ** 31 - 1;
  };
}
const randomVector = (n: number, r: () => number): Float64Array => Float64Array.from({ length: n }, r);
const randomTensor = (c: number, side: number, r: () => number): Tensor3 => ({ c, h: side, w: side, data: randomVector(c * side * side, r) });
const randomWeight = (o: number, i: number, k: number, r: () => number): ConvWeight => ({ outC: o, inC: i, k, data: randomVector(o * i * k * k, r) });

function maxDiff(a: Tensor3[], b: Tensor3[]): number {
  let e = 0;
  a.forEach((t, p) => t.data.forEach((v, j) => { e = Math.max(e, Math.abs(v - b[p]!.data[j]!)); }));
  return e;
}

/** conv2d per patch with the folded factors, as the twin computes it. */
function reference(x: Tensor3[], convs: readonly PatchConv[]): Tensor3[] {
  return x.map((t, p) => {
    const c = convs[p]!;
    const scaledIn = { ...t, data: t.data.map((v, j) => v * (c.inputScale?.[Math.floor(j / (t.h * t.w))] ?? 1)) };
    const y = conv2d(scaledIn, c.weight, { stride: c.stride, padding: c.padding });
    const hw = y.h * y.w;
    return { ...y, data: y.data.map((v, j) => v * (c.outputScale?.[Math.floor(j / hw)] ?? 1) + (c.bias?.[Math.floor(j / hw)] ?? 0)) };
  });
}

describe('multiplexed convolution map (float64) vs conv2d', () => {
  it('random shapes, strides, paddings, patch counts and folded factors (fast-check)', () => {
    fc.assert(fc.property(
      fc.record({
        grid: fc.constantFrom([1, 1], [1, 2], [2, 2], [2, 1]), logPatch: fc.integer({ min: 2, max: 3 }), logGap: fc.integer({ min: 0, max: 1 }),
        inC: fc.integer({ min: 1, max: 5 }), outC: fc.integer({ min: 1, max: 6 }), k: fc.constantFrom(1, 3, 5), stride: fc.constantFrom(1, 2),
        padFrac: fc.integer({ min: 0, max: 2 }), logSlots: fc.integer({ min: 9, max: 11 }), extras: fc.boolean(), seed: fc.integer(),
      }),
      ({ grid, logPatch, logGap, inC, outC, k, stride, padFrac, logSlots, extras, seed }) => {
        const r = rng(seed);
        const patchSize = 2 ** logPatch;
        const padding = Math.min(padFrac, Math.floor(k / 2));
        const [gr, gc] = grid as [number, number];
        let inL: PackedLayout;
        try {
          inL = packedLayout({ slots: 2 ** logSlots, gridRows: gr, gridCols: gc, patchSize, gap: 2 ** logGap, channels: inC });
        } catch {
          return;
        }
        const outSide = convOutSize(inL.side, k, stride, padding);
        const outGap = inL.gap * stride;
        if (outSide < 1 || patchSize % outGap !== 0 || outSide > patchSize / outGap) return;
        const outL = deriveLayout(inL, outC, outGap, outSide);
        const convs: PatchConv[] = Array.from({ length: gr * gc }, () => ({
          weight: randomWeight(outC, inC, k, r), stride, padding,
          ...(extras ? { inputScale: randomVector(inC, r), outputScale: randomVector(outC, r), bias: randomVector(outC, r) } : {}),
        }));
        const x = Array.from({ length: gr * gc }, () => randomTensor(inC, inL.side, r));
        const map = convolutionMap(inL, outL, convs);
        const y = applyMapPlain(map, packTensors(inL, x));
        expect(maxDiff(unpackTensors(outL, y), reference(x, convs))).toBeLessThanOrEqual(1e-12);
        // the output is a proper packed tensor: every replica equals the base period
        for (const v of y) for (let s = outL.period; s < outL.slots; s++) expect(Math.abs(v[s]! - v[s % outL.period]!)).toBeLessThanOrEqual(1e-12);
      },
    ), { numRuns: 40 });
  });

  it('a residual map: conv2 of w plus a per-channel-scaled identity of u (two inputs, one output)', () => {
    const r = rng(7);
    const l = packedLayout({ slots: 1024, gridRows: 2, gridCols: 2, patchSize: 4, gap: 1, channels: 3 });
    const convs = Array.from({ length: 4 }, () => ({ weight: randomWeight(3, 3, 3, r), stride: 1, padding: 1 }));
    const scales = Array.from({ length: 4 }, () => ({ scale: randomVector(3, r) }));
    const w = Array.from({ length: 4 }, () => randomTensor(3, 4, r));
    const u = Array.from({ length: 4 }, () => randomTensor(3, 4, r));
    const frame = mapFrame([{ layout: l }, { layout: l }], l);
    addConvolution(frame, 0, l, l, convs);
    addChannelScale(frame, 1, l, scales);
    const y = unpackTensors(l, applyMapPlain(frame.builder.build(), [...packTensors(l, w), ...packTensors(l, u)]));
    const want = reference(w, convs).map((t, p) => ({ ...t, data: t.data.map((v, j) => v + scales[p]!.scale[Math.floor(j / 16)]! * u[p]!.data[j]!) }));
    expect(maxDiff(y, want)).toBeLessThanOrEqual(1e-12);
  });

  it('complex packing: two-ciphertext layouts as x0 + i·x1 (2·Re of the accumulators), and y0 + i·y1 outputs (2·Re, 2·Im)', () => {
    const r = rng(11);
    const l = packedLayout({ slots: 512, gridRows: 2, gridCols: 2, patchSize: 4, gap: 1, channels: 8, blocksPerCiphertext: 4 });
    expect(l.ciphertexts).toBe(2);
    const one = packedLayout({ slots: 512, gridRows: 2, gridCols: 2, patchSize: 4, gap: 1, channels: 3 });
    const x = Array.from({ length: 4 }, () => randomTensor(8, 4, r));
    const x3 = Array.from({ length: 4 }, () => randomTensor(3, 4, r));
    const pack = (v: Float64Array[]) => [{ re: v[0]!, im: v[1]! }];
    // paired input → two real outputs (2 accumulators, 'real'), with a paired identity path added
    const convs = Array.from({ length: 4 }, () => ({ weight: randomWeight(8, 8, 3, r), stride: 1, padding: 1, bias: randomVector(8, r) }));
    const scales = Array.from({ length: 4 }, () => ({ scale: randomVector(8, r) }));
    const frame = mapFrame([{ layout: l, paired: true }, { layout: l, paired: true }], l);
    addConvolution(frame, 0, l, l, convs);
    addChannelScale(frame, 1, l, scales);
    const map = frame.builder.build();
    expect(map.outputMode).toBe('real');
    expect(map.inputPeriods.length).toBe(2);
    const y = unpackTensors(l, applyMapPlain(map, [...pack(packTensors(l, x)), ...pack(packTensors(l, x))]));
    const want = reference(x, convs).map((t, p) => ({ ...t, data: t.data.map((v, j) => v + scales[p]!.scale[Math.floor(j / 16)]! * x[p]!.data[j]!) }));
    expect(maxDiff(y, want)).toBeLessThanOrEqual(1e-12);
    // paired input → one real output of another layout (stride 2)
    const half = deriveLayout(l, 8, 2);
    const convs2 = Array.from({ length: 4 }, () => ({ weight: randomWeight(8, 8, 3, r), stride: 2, padding: 1 }));
    const y2 = unpackTensors(half, applyMapPlain(convolutionMap(l, half, convs2, { paired: true }), pack(packTensors(l, x))));
    expect(maxDiff(y2, reference(x, convs2))).toBeLessThanOrEqual(1e-12);
    // one real input → two outputs accumulated as y0 + i·y1 ('realImag')
    const convs3 = Array.from({ length: 4 }, () => ({ weight: randomWeight(8, 3, 3, r), stride: 1, padding: 1 }));
    const m3 = convolutionMap(one, l, convs3, { realImag: true });
    expect([m3.outputMode, m3.outputs]).toEqual(['realImag', 1]);
    expect(maxDiff(unpackTensors(l, applyMapPlain(m3, packTensors(one, x3))), reference(x3, convs3))).toBeLessThanOrEqual(1e-12);
  });
});
