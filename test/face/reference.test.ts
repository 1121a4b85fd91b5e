// Cross-implementation check: the TypeScript float64 forward pass of the committed CFNet4 weights against
// PyTorch's float64 forward of the same stored tensors (models/cfnet4/reference, written by
// tools/train/export.py). Tolerance per layer: max|ts − torch| / max|torch| ≤ 1e-4 (the reference is
// stored as float32, so ~1e-7 is the floor); the preprocessed input (torch antialiased resize) ≤ 1e-6.
import { beforeAll, describe, expect, it } from 'vitest';
import { embedFace, loadWeights, normalizeExact, normalizePoly, preprocessFace, squaredDistance, squaredNorm, type CfnetWeights } from '../../src/face/index.js';
import { maxRelError, readModel, readReference, type ReferenceSet } from './modelFiles.js';

let weights: CfnetWeights;
let ref: ReferenceSet;

beforeAll(() => {
  const { manifestText, binary } = readModel();
  weights = loadWeights(manifestText, binary);
  ref = readReference();
});

describe('CFNet4 forward pass vs PyTorch reference outputs', () => {
  it('preprocessing (normalise + antialiased bilinear 112→64) matches torch (≤ 1e-6 relative)', () => {
    for (let k = 0; k < ref.count; k++) {
      const x = preprocessFace(ref.inputs[k]!, weights.inputSize);
      expect(maxRelError(x.data, ref.get(`${k}.input`))).toBeLessThanOrEqual(1e-6);
    }
  });

  it('every patch-0 layer, the embedding and both normalisations match (≤ 1e-4 relative per layer)', () => {
    const layers = ['stem', 'block0', 'block1', 'block2', 'block3', 'block4', 'pool', 'bn', 'fc'];
    const yPoly: Float64Array[] = [];
    const worst: Record<string, number> = {};
    for (let k = 0; k < ref.count; k++) {
      const seen = new Map<string, Float64Array>();
      const y = embedFace(weights, ref.inputs[k]!, (patch, name, v) => {
        if (patch === 0) seen.set(name, v instanceof Float64Array ? v : v.data);
      });
      const check = (name: string, got: Float64Array, want: Float64Array): void => {
        const e = maxRelError(got, want);
        worst[name] = Math.max(worst[name] ?? 0, e);
        expect(e, `${k}.${name}`).toBeLessThanOrEqual(1e-4);
      };
      for (const name of layers) check(name, seen.get(name)!, ref.get(`${k}.p0.${name}`));
      check('y', y, ref.get(`${k}.y`));
      check('s', Float64Array.of(squaredNorm(y)), ref.get(`${k}.s`));
      check('yExact', normalizeExact(y), ref.get(`${k}.yExact`));
      const yp = normalizePoly(y, weights.normalization);
      check('yPoly', yp, ref.get(`${k}.yPoly`));
      yPoly.push(yp);
    }
    for (let i = 0; i < ref.count; i++)
      for (let j = 0; j < ref.count; j++) {
        const want = ref.distancesPoly[i]![j]!;
        expect(Math.abs(squaredDistance(yPoly[i]!, yPoly[j]!) - want)).toBeLessThanOrEqual(1e-4 * Math.max(1, want));
      }
    console.log('max relative error per layer (TS vs PyTorch):', JSON.stringify(worst));
  });
});
