// Every preset works for the obvious program at every level (issue 10.3): encrypt at the default scale, multiply
// level after level down to 0; scale within one bit of the default, error vs float64 below 2^-20 (one product adds
// ≈ 2^-26 at Δ = 2^40; 7 products and the fresh error stay far below). Presets at N ≥ 2^15 run in
// test/slow/presets.slow.test.ts (npm run test:slow).
import { describe, it } from 'vitest';
import { PN13QP200, PN14QP400 } from '../../src/ckks/scheme/presets.js';
import { expectWholeDepth, runWholeDepth } from './presetDepth.js';

describe('presets over their whole depth at the default scale (secure presets, float64 reference)', () => {
  it('PN13QP200 (N = 2^13): 2 products, error ≤ 2^-20, scale ≈ 2^40 throughout', () => {
    expectWholeDepth(PN13QP200, runWholeDepth(PN13QP200, 1), 2 ** -20);
  });
  it('PN14QP400 (N = 2^14): 7 products, error ≤ 2^-20, scale ≈ 2^40 throughout', () => {
    expectWholeDepth(PN14QP400, runWholeDepth(PN14QP400, 2), 2 ** -20);
  });
});
