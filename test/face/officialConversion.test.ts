// The official-checkpoint converter (tools/official/convert.py) end to end, without PyTorch in CI: for each
// variant (CFNet4 64×64 / 2×2 patches, CFNet9 96×96 / 3×3, CFNet16 128×128 / 4×4) a synthetic checkpoint in
// the official layout (exact state-dict names and shapes of github.com/human-analysis/CryptoFace, random
// values, sparse convolutions; in CFNet9/16 only patches 0, 1 and L−1 are random, the others output 0) was
// converted to our format and run through the official architecture's PyTorch forward (unfolded
// three-BatchNorm HerPN, eval mode, float64) by tools/official/fixture.py. Here the converted weights go
// through our loader and float64 forward pass. Tolerances: preprocessed input ≤ 1e-12 absolute (both
// float64, values in [−1, 1]); every traced layer of the first and last patch (sampled values and max |·|),
// y and ‖y‖², relative to the layer's max |·|: ≤ 1e-9 for CFNet4, stored in float64 (the only difference is
// then the folding's rounding, measured by the converter at ≤ 1e-12), ≤ 2e-5 for CFNet9/16, stored in
// float32 like real conversions (observed ≤ 1.7e-6 here from that rounding; the converter's own check on
// its calibration images, noise included, measured 1.3e-6 / 1.0e-5 on y); the activation bounds
// (BoundsMeter) against the same figures from the PyTorch traces, same tolerances.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BoundsMeter, HERPN_POINTS, embedInput, loadWeights, preprocessFace, squaredNorm, type CfnetWeights } from '../../src/face/index.js';
import { MODEL_DIR, maxRelError } from './modelFiles.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'official');

interface Sampled { maxAbs: number; index: number[]; value: number[] }
interface Reference {
  variant: string;
  weightsSha256: string;
  cases: Array<{ input: { index: number[]; value: number[] }; y: number[]; s: number; patches: Record<string, Record<string, Sampled>> }>;
  bounds: { bootstrapMaxAbs: number; herpnMaxAbs: Record<string, number> };
}

const faces = new Uint8Array(readFileSync(join(MODEL_DIR, 'reference', 'inputs.u8')));
const FACE = 112 * 112 * 3;

function fixture(dir: string): { weights: CfnetWeights; ref: Reference } {
  const manifest = readFileSync(join(FIXTURES, dir, 'weights.json'), 'utf8');
  const binary = new Uint8Array(gunzipSync(readFileSync(join(FIXTURES, dir, 'weights.bin.gz'))));
  const ref = JSON.parse(readFileSync(join(FIXTURES, dir, 'reference.json'), 'utf8')) as Reference;
  return { weights: loadWeights(manifest, binary), ref };
}

describe('official CryptoFace checkpoints converted by tools/official/convert.py (synthetic official-layout checkpoints)', () => {
  const cases = [['cfnet4', 'CFNet4', 64, 2, 1e-9], ['cfnet9', 'CFNet9', 96, 3, 2e-5], ['cfnet16', 'CFNet16', 128, 4, 2e-5]] as const;
  for (const [dir, variant, size, grid, tol] of cases) {
    it(`${variant}: loads (${grid}×${grid} patches of ${size}×${size}) and our float64 forward matches the official PyTorch forward (≤ ${tol} relative per layer)`, () => {
      const { weights, ref } = fixture(dir);
      const dtype = (weights.manifest['tensors'] as Array<{ dtype: string }>)[0]!.dtype;
      expect(dtype).toBe(tol === 1e-9 ? 'float64' : 'float32');
      expect(ref.variant).toBe(variant);
      expect(weights.manifest['checksum']).toMatchObject({ value: ref.weightsSha256 });
      expect([weights.variant, weights.inputSize, weights.grid, weights.patches.length]).toEqual([variant, size, grid, grid * grid]);
      const last = grid * grid - 1;
      const worst: Record<string, number> = {};
      const note = (name: string, e: number): void => {
        worst[name] = Math.max(worst[name] ?? 0, e);
      };
      const meter = new BoundsMeter(weights);
      ref.cases.forEach((c, k) => {
        const x = preprocessFace(faces.subarray(k * FACE, (k + 1) * FACE), weights.inputSize);
        expect([x.c, x.h, x.w]).toEqual([3, size, size]);
        c.input.index.forEach((i, n) => expect(Math.abs(x.data[i]! - c.input.value[n]!), `input[${i}]`).toBeLessThanOrEqual(1e-12));
        const seen = new Map<string, Float64Array>();
        const y = embedInput(weights, x, (patch, name, v) => {
          if (patch === 0 || patch === last) seen.set(`${patch}:${name}`, v instanceof Float64Array ? v : v.data);
        });
        for (const p of ['0', String(last)]) {
          const layers = c.patches[p]!;
          expect(Object.keys(layers).length).toBe(13); // stem, 5 × (conv1, block), pool, bn
          for (const [name, want] of Object.entries(layers)) {
            const got = seen.get(`${p}:${name}`);
            expect(got, `${variant} patch ${p} ${name}`).toBeDefined();
            let m = 0;
            for (const v of got!) m = Math.max(m, Math.abs(v));
            const e = Math.max(Math.abs(m - want.maxAbs), ...want.index.map((i, n) => Math.abs(got![i]! - want.value[n]!))) / want.maxAbs;
            note(name, e);
            expect(e, `${variant} case ${k} patch ${p} ${name}`).toBeLessThanOrEqual(tol);
          }
        }
        note('y', maxRelError(y, c.y));
        note('s', Math.abs(squaredNorm(y) - c.s) / c.s);
        expect(maxRelError(y, c.y)).toBeLessThanOrEqual(tol);
        expect(Math.abs(squaredNorm(y) - c.s) / c.s).toBeLessThanOrEqual(tol);
        meter.observe(x);
      });
      const b = meter.result('fixture faces');
      expect(b.count).toBe(ref.cases.length);
      for (const k of HERPN_POINTS) expect(Math.abs(b.herpnMaxAbs[k]! - ref.bounds.herpnMaxAbs[k]!) / ref.bounds.herpnMaxAbs[k]!, k).toBeLessThanOrEqual(tol);
      expect(Math.abs(b.bootstrapMaxAbs - ref.bounds.bootstrapMaxAbs) / ref.bounds.bootstrapMaxAbs).toBeLessThanOrEqual(tol);
      console.log(`${variant}: max relative error per layer (TS vs official PyTorch)`, JSON.stringify(worst));
    });
  }
});
