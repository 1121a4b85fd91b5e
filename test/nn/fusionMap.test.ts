// Pooling, gather and fusion on packed slots (src/nn/encrypted/fusionMap.ts) in float64 against the twins
// adaptiveAvgPool2d + per-feature affine + linear (src/nn), summed over patches: several patch counts, channel counts
// and pooling windows (fast-check). Tolerance 1e-12. Also the feature order keeps the gather's diagonals few.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adaptiveAvgPool2d } from '../../src/nn/pool.js';
import { linear, type Matrix } from '../../src/nn/linear.js';
import {
  featureOrder, fusionArrangement, fusionMap, gatherMap, readFusion, replicationSteps, windowSumSteps,
} from '../../src/nn/encrypted/fusionMap.js';
import { deriveLayout, packTensors, packedLayout } from '../../src/nn/encrypted/packedLayout.js';
import { applyMapPlain, diagonalCount, foldPlain } from '../../src/nn/encrypted/slotLinearMap.js';
import type { Tensor3 } from '../../src/nn/tensor.js';
import { rng } from './encryptedFixture.js';

/** Σ_p A_p (scale_p ⊙ pool(x_p) + shift_p) + L·bias, the plaintext twin. */
function twin(x: Tensor3[], outSize: number, scale: Float64Array[], shift: Float64Array[], A: Matrix[], bias: Float64Array): Float64Array {
  const y = Float64Array.from(bias, (b) => b * x.length);
  x.forEach((t, p) => {
    const pooled = adaptiveAvgPool2d(t, outSize, outSize).data.map((v, f) => v * scale[p]![f]! + shift[p]![f]!);
    linear(A[p]!, pooled).forEach((v, j) => { y[j] = y[j]! + v; });
  });
  return y;
}

/** The packed pipeline in float64: window sums, gather, replication, fusion (shifts folded into the bias). */
function packedPipeline(x: Tensor3[], l: ReturnType<typeof packedLayout>, outSize: number, scale: Float64Array[], shift: Float64Array[], A: Matrix[], bias: Float64Array): { y: Float64Array; gatherDiagonals: number } {
  const a = fusionArrangement(l, outSize, A[0]!.rows);
  const window = l.side / outSize;
  const sums = packTensors(l, x).map((v) => foldPlain(v, windowSumSteps(l, window)));
  const scaled = scale.map((s) => s.map((v) => v / (window * window)));
  const gather = gatherMap(l, a, scaled);
  const [g] = applyMapPlain(gather, sums);
  const z = foldPlain(g!, replicationSteps(a));
  const folded = Float64Array.from(bias, (b, j) => b * x.length + A.reduce((acc, m, p) => acc + linear(m, shift[p]!)[j]!, 0));
  const [y] = applyMapPlain(fusionMap(a, A, folded), [z]);
  // when the replicas fill the slots (R·L'·2F = slots, as for CFNet4) the output repeats with period 2F everywhere
  const span = a.replicas * a.ranges * 2 * a.features;
  for (let s = 2 * a.features; span === a.slots && s < span; s++) expect(Math.abs(y![s]! - y![s % (2 * a.features)]!)).toBeLessThanOrEqual(1e-12);
  return { y: readFusion(a, y!), gatherDiagonals: diagonalCount(gather) };
}

describe('pooling + gather + fusion (float64) vs adaptiveAvgPool2d, affine, linear', () => {
  it('random patch grids, channels, windows, rows (fast-check)', () => {
    fc.assert(fc.property(
      fc.record({ grid: fc.constantFrom([1, 1], [1, 2], [2, 2], [1, 3]), logC: fc.integer({ min: 0, max: 3 }), logSide: fc.integer({ min: 1, max: 3 }), gapLog: fc.integer({ min: 0, max: 2 }), seed: fc.integer() }),
      ({ grid, logC, logSide, gapLog, seed }) => {
        const r = rng(seed);
        const [gr, gc] = grid as [number, number];
        const side = 2 ** logSide;
        const gap = 2 ** gapLog;
        const channels = 2 ** logC;
        let l;
        try {
          l = packedLayout({ slots: 2048, gridRows: gr, gridCols: gc, patchSize: side * gap, gap, channels });
          fusionArrangement(l, 2, 1);
        } catch {
          return;
        }
        const L = gr * gc;
        const F = channels * 4;
        const rows = Math.max(1, Math.floor(F * (0.5 + r() / 2)));
        const x = Array.from({ length: L }, () => ({ c: channels, h: side, w: side, data: Float64Array.from({ length: channels * side * side }, r) }));
        const vec = (n: number) => Float64Array.from({ length: n }, r);
        const scale = Array.from({ length: L }, () => vec(F));
        const shift = Array.from({ length: L }, () => vec(F));
        const A = Array.from({ length: L }, () => ({ rows, cols: F, data: vec(rows * F) }));
        const bias = vec(rows);
        const { y } = packedPipeline(x, l, 2, scale, shift, A, bias);
        const want = twin(x, 2, scale, shift, A, bias);
        y.forEach((v, j) => expect(Math.abs(v - want[j]!)).toBeLessThanOrEqual(1e-12));
      },
    ), { numRuns: 30 });
  });

  it('CFNet4 at 2^15 slots: 256 features per patch, 16 replicas × 16 babies; the gather moves 5 slot bits (32 diagonals)', () => {
    const input = packedLayout({ slots: 32768, gridRows: 2, gridCols: 2, patchSize: 32, gap: 1, channels: 3 });
    const C = deriveLayout(input, 64, 4);
    const a = fusionArrangement(C, 2, 256);
    expect([a.features, a.ranges, a.replicas, a.babies, a.window]).toEqual([256, 4, 16, 16, 4]);
    expect(windowSumSteps(C, 4)).toEqual([4, 8, 256, 512]);
    const order = featureOrder(C, 4, 2);
    expect(new Set(order).size).toBe(256);
    const gather = gatherMap(C, a, Array.from({ length: 4 }, () => new Float64Array(256).fill(1)));
    expect(diagonalCount(gather)).toBe(32);
  });
});
