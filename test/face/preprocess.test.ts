// Preprocessing and patching (reference §3): resize taps sum to 1 and reduce to the identity at equal size,
// a constant image stays constant, patch i = row·g + col with flat index 1024·ch + 32·y + x.
// Agreement with torch's antialiased resize itself is checked in reference.test.ts. Tolerance 1e-12.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { flattenPatches, normalizeRgb, preprocessFace, resizeTaps, toPatches } from '../../src/face/index.js';
import { tensor3 } from '../../src/nn/index.js';

describe('preprocessing', () => {
  it('resize taps are normalised, inside the input, and the identity when sizes agree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 130 }), fc.integer({ min: 1, max: 130 }), (a, b) => {
        const t = resizeTaps(a, b);
        t.weights.forEach((w, i) => {
          expect(Math.abs(w.reduce((s, v) => s + v, 0) - 1)).toBeLessThanOrEqual(1e-12);
          expect(t.start[i]!).toBeGreaterThanOrEqual(0);
          expect(t.start[i]! + w.length).toBeLessThanOrEqual(a);
        });
      }),
    );
    const id = resizeTaps(64, 64);
    id.weights.forEach((w, i) => expect(Array.from(w).map((v, j) => (v > 0 ? id.start[i]! + j : -1)).filter((j) => j >= 0)).toEqual([i]));
  });

  it('maps uint8 RGB to [−1, 1] CHW and keeps a constant image constant through the resize', () => {
    const rgb = new Uint8Array(112 * 112 * 3).map((_, i) => [0, 255, 51][i % 3]!);
    const x = normalizeRgb(rgb);
    expect([x.data[0], x.data[112 * 112], x.data[2 * 112 * 112]]).toEqual([-1, 1, (51 / 255 - 0.5) / 0.5]);
    const r = preprocessFace(rgb, 64);
    expect([r.c, r.h, r.w]).toEqual([3, 64, 64]);
    for (let c = 0; c < 3; c++) for (let j = 0; j < 64 * 64; j++) expect(Math.abs(r.data[c * 4096 + j]! - x.data[c * 112 * 112]!)).toBeLessThanOrEqual(1e-12);
  });

  it('cuts patches row-major over the grid and flattens each channel-major', () => {
    const g = 2;
    const x = tensor3(3, 64, 64, Float64Array.from({ length: 3 * 64 * 64 }, (_, i) => i));
    const flat = flattenPatches(toPatches(x, g));
    expect(flat.length).toBe(3072 * 4);
    for (const [patch, ch, y, xx] of [[0, 0, 0, 0], [1, 2, 5, 31], [2, 1, 31, 0], [3, 2, 17, 9]] as const) {
      const row = Math.floor(patch / g);
      const col = patch % g;
      expect(flat[3072 * patch + 1024 * ch + 32 * y + xx]).toBe(x.data[(ch * 64 + row * 32 + y) * 64 + col * 32 + xx]);
    }
  });
});
