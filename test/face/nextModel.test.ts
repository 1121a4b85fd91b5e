// The candidate CFNet4 of issue 17 (models/cfnet4-next, tools/train/train_invariant.py + export.py): the
// loader accepts it, the TypeScript float64 forward pass matches PyTorch's float64 forward of the same stored
// tensors (reference/, written by export.py; ≤ 1e-4 relative per layer, float32-stored reference), and its
// recorded bounds are within what the encrypted side needs: max |x| at the bootstrap point ≤ B/1.5
// (B = CRYPTOFACE_REFRESH_BOUND) and every measured ‖y‖² inside the normalisation's fitted range, where the
// polynomial's relative error is at most the recorded maxRelErrorOnKeptRange (checked here on a fine grid).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRYPTOFACE_REFRESH_BOUND } from '../../src/face/encrypted/cryptofaceParameters.js';
import { embedFace, evalNormPolynomial, loadWeights, normalizePoly, squaredDistance, type CfnetWeights } from '../../src/face/index.js';
import { maxRelError, readModel, readReference, type ReferenceSet } from './modelFiles.js';

const DIR = join(import.meta.dirname, '..', '..', 'models', 'cfnet4-next');

describe.skipIf(!existsSync(join(DIR, 'weights.json')))('models/cfnet4-next (issue 17 candidate)', () => {
  let weights: CfnetWeights;
  let ref: ReferenceSet;
  beforeAll(() => {
    const { manifestText, binary } = readModel(DIR);
    weights = loadWeights(manifestText, binary);
    ref = readReference(DIR);
  });

  it('TS forward pass = PyTorch reference per patch-0 layer, y and polynomial norm (≤ 1e-4 relative)', () => {
    const yPoly: Float64Array[] = [];
    for (let k = 0; k < ref.count; k++) {
      const seen = new Map<string, Float64Array>();
      const y = embedFace(weights, ref.inputs[k]!, (patch, name, v) => {
        if (patch === 0) seen.set(name, v instanceof Float64Array ? v : v.data);
      });
      for (const name of ['stem', 'block0', 'block1', 'block2', 'block3', 'block4', 'pool', 'bn', 'fc'])
        expect(maxRelError(seen.get(name)!, ref.get(`${k}.p0.${name}`)), `${k}.${name}`).toBeLessThanOrEqual(1e-4);
      expect(maxRelError(y, ref.get(`${k}.y`))).toBeLessThanOrEqual(1e-4);
      const yp = normalizePoly(y, weights.normalization);
      expect(maxRelError(yp, ref.get(`${k}.yPoly`))).toBeLessThanOrEqual(1e-4);
      yPoly.push(yp);
    }
    for (let i = 0; i < ref.count; i++)
      for (let j = 0; j < ref.count; j++)
        expect(Math.abs(squaredDistance(yPoly[i]!, yPoly[j]!) - ref.distancesPoly[i]![j]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, ref.distancesPoly[i]![j]!));
  });

  it('recorded bounds: bootstrap point ≤ B/1.5 and all measured norms inside the fitted range', () => {
    const b = weights.bounds;
    expect(b).toBeDefined();
    expect(b!.bootstrapMaxAbs).toBeLessThanOrEqual(CRYPTOFACE_REFRESH_BOUND / 1.5);
    expect(b!.normInRange).toBe(1);
    expect(b!.normMin).toBeGreaterThanOrEqual(b!.normRange[0]);
    expect(b!.normMax).toBeLessThanOrEqual(b!.normRange[1]);
  });

  it('the polynomial approximates 1/√s on its fitted range within the recorded error (2001-point grid)', () => {
    const { stats, maxRelErrorOnKeptRange } = weights.manifest.normalization as { stats: { min: number; max: number }; maxRelErrorOnKeptRange: number };
    let worst = 0;
    for (let i = 0; i <= 2000; i++) {
      const s = stats.min + ((stats.max - stats.min) * i) / 2000;
      worst = Math.max(worst, Math.abs(evalNormPolynomial(weights.normalization, s) * Math.sqrt(s) - 1));
    }
    expect(worst).toBeLessThanOrEqual(maxRelErrorOnKeptRange * (1 + 1e-6));
    expect(worst).toBeGreaterThan(0); // a degree-2 polynomial cannot be exact on an interval
  });
});
