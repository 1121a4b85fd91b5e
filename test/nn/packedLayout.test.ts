// The packed multiplexed layout (src/nn/encrypted/packedLayout.ts): pack/unpack round trips (exact), slot
// positions against the formula written out here, replicas, CFNet4's stage layouts (reference §5.3 + patch index).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  deriveLayout, describeLayout, packChannelConstants, packTensors, packedLayout, slotOf, unpackTensors,
} from '../../src/nn/encrypted/packedLayout.js';
import type { Tensor3 } from '../../src/nn/tensor.js';

function randomTensor(c: number, side: number, seed: number): Tensor3 {
  let s = seed >>> 0 || 1;
  const data = Float64Array.from({ length: c * side * side }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 31 - 1;
  });
  return { c, h: side, w: side, data };
}

describe('packed layout', () => {
  it('CFNet4 stages at N = 2^16: the reference layouts of §5.3 with the four patches as a 2×2 mosaic', () => {
    const input = packedLayout({ slots: 32768, gridRows: 2, gridCols: 2, patchSize: 32, gap: 1, channels: 3 });
    expect([input.rowStride, input.blockSize, input.blocks, input.blocksPerCiphertext, input.ciphertexts, input.replicas]).toEqual([64, 4096, 3, 4, 1, 2]);
    const a = deriveLayout(input, 16, 1);
    expect([a.blocks, a.ciphertexts, a.replicas]).toEqual([16, 2, 1]);
    const b = deriveLayout(input, 32, 2);
    expect([b.side, b.blocks, b.ciphertexts, b.replicas]).toEqual([16, 8, 1, 1]);
    const c = deriveLayout(input, 64, 4);
    expect([c.side, c.blocks, c.ciphertexts, c.replicas, c.period]).toEqual([8, 4, 1, 2, 16384]);
    expect(describeLayout(c)).toContain('k=4 64x8x8');
  });

  it('slot of (patch, channel, y, x) = u·blockSize + (py·H + k·y + a)·rowStride + px·H + k·x + b', () => {
    const l = packedLayout({ slots: 32768, gridRows: 2, gridCols: 2, patchSize: 32, gap: 4, channels: 64 });
    // channel 37 = 16·2 + 4·1 + 1; patch 3 = (1, 1); pixel (5, 6)
    expect(slotOf(l, 3, 37, 5, 6)).toEqual({ ct: 0, slot: 2 * 4096 + (32 + 4 * 5 + 1) * 64 + 32 + 4 * 6 + 1 });
    const a = packedLayout({ slots: 32768, gridRows: 2, gridCols: 2, patchSize: 32, gap: 1, channels: 16 });
    expect(slotOf(a, 1, 9, 0, 31)).toEqual({ ct: 1, slot: 1 * 4096 + 0 * 64 + 32 + 31 });
  });

  it('pack → unpack is the identity and every replica holds the base period (fast-check over shapes)', () => {
    fc.assert(fc.property(
      fc.record({ logSlots: fc.integer({ min: 8, max: 12 }), gr: fc.integer({ min: 1, max: 3 }), gc: fc.integer({ min: 1, max: 3 }), logP: fc.integer({ min: 1, max: 3 }), logK: fc.integer({ min: 0, max: 2 }), c: fc.integer({ min: 1, max: 9 }), seed: fc.integer() }),
      ({ logSlots, gr, gc, logP, logK, c, seed }) => {
        const patchSize = 2 ** logP;
        const gap = 2 ** Math.min(logK, logP);
        const slots = 2 ** logSlots;
        let l;
        try {
          l = packedLayout({ slots, gridRows: gr, gridCols: gc, patchSize, gap, channels: c });
        } catch {
          return; // the mosaic does not fit this slot count
        }
        const tensors = Array.from({ length: gr * gc }, (_, p) => randomTensor(c, l.side, seed + p));
        const vectors = packTensors(l, tensors);
        expect(vectors.length).toBe(l.ciphertexts);
        const back = unpackTensors(l, vectors);
        back.forEach((t, p) => expect(Array.from(t.data)).toEqual(Array.from(tensors[p]!.data)));
        for (const v of vectors) for (let s = l.period; s < slots; s++) expect(v[s]).toBe(v[s % l.period]);
        // distinct entries occupy distinct slots: the number of non-zero slots of all-ones tensors = entries
        const ones = packTensors(l, tensors.map((t) => ({ ...t, data: new Float64Array(t.data.length).fill(1) })));
        const used = ones.reduce((n, v) => n + v.subarray(0, l.period).reduce((a, x) => a + x, 0), 0);
        expect(used).toBe(gr * gc * c * l.side * l.side);
      },
    ), { numRuns: 60 });
  });

  it('per-channel constants fill exactly the slots of their channel', () => {
    const l = packedLayout({ slots: 1024, gridRows: 2, gridCols: 1, patchSize: 4, gap: 2, channels: 6 });
    const per = [Float64Array.from([1, 2, 3, 4, 5, 6]), Float64Array.from([10, 20, 30, 40, 50, 60])];
    const v = packChannelConstants(l, per);
    const back = unpackTensors(l, v);
    back.forEach((t, p) => {
      for (let c = 0; c < 6; c++) for (let j = 0; j < 4; j++) expect(t.data[c * 4 + j]).toBe(per[p]![c]);
    });
  });

  it('rejects layouts that do not fit', () => {
    expect(() => packedLayout({ slots: 1024, gridRows: 2, gridCols: 2, patchSize: 32, gap: 1, channels: 1 })).toThrow(RangeError);
    expect(() => packedLayout({ slots: 4096, gridRows: 1, gridCols: 1, patchSize: 6, gap: 4, channels: 1 })).toThrow(RangeError);
  });
});
