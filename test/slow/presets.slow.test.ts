// [slow] Issue 10's bars at the presets too large for CI (N = 2^15, 2^16): every preset over its whole depth at
// its default scale, and rotation/conjugation noise within 2× of a product's, noise-like over the slots.
// Run with `npm run test:slow`. Bounds as in the fast tests (test/scheme/presetDepth.test.ts, rotationNoise.test.ts);
// PN16QP1503H192's whole depth is 28 products, each ≈ 2^-30 at Δ = 2^45.
import { describe, it } from 'vitest';
import { PN14QP400, PN15QP838D4, PN15QP880, PN16QP1503H192 } from '../../src/ckks/scheme/presets.js';
import { expectWholeDepth, runWholeDepth } from '../scheme/presetDepth.js';
import { expectKeySwitchNoiseLikeRelinearisation, measureKeySwitchNoise } from '../scheme/keySwitchNoiseMeasure.js';

describe('[slow] presets over their whole depth (secure)', () => {
  for (const [name, preset] of [['PN15QP880', PN15QP880], ['PN15QP838D4', PN15QP838D4], ['PN16QP1503H192', PN16QP1503H192]] as const) {
    it(`${name}: every level, scale within one bit of the default, error ≤ 2^-20`, () => {
      const report = runWholeDepth(preset, 3);
      console.log(`${name}: worst error 2^${Math.log2(Math.max(...report.errors)).toFixed(1)} over ${report.levels} products`);
      expectWholeDepth(preset, report, 2 ** -20);
    });
  }
});

describe('[slow] rotation and conjugation noise within 2× of mul + relinearise + rescale (secure)', () => {
  for (const [name, preset] of [['PN14QP400', PN14QP400], ['PN15QP880', PN15QP880], ['PN15QP838D4', PN15QP838D4], ['PN16QP1503H192', PN16QP1503H192]] as const) {
    it(name, () => {
      const r = measureKeySwitchNoise(preset, 4);
      console.log(`${name}: mul 2^${Math.log2(r.mul).toFixed(2)}, rotate 2^${Math.log2(r.rotate).toFixed(2)}, conjugate 2^${Math.log2(r.conjugate).toFixed(2)}, peaks ${r.rotatePeak.toFixed(1)}/${r.conjugatePeak.toFixed(1)}`);
      expectKeySwitchNoiseLikeRelinearisation(r);
    });
  }
});
