// FaceClient.inspectPatches and the OUT_OF_RANGE refusal: the server cannot see what its bootstrap refreshes, and
// beyond the bound B the encrypted result silently departs from the model (bootstrapRefresher.ts), so the key holder
// checks its own face with the float64 twin before encrypting it. Small insecure N = 2^11 (the reduced test preset).
// The reference maximum is recomputed here from the building blocks (stem conv, then blockForward block by block),
// not through patchForward's trace, which is what the client uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv2d, type Tensor3 } from '../../src/nn/index.js';
import { blockForward } from '../../src/face/model.js';
import { FaceInputError } from '../../src/face/errors.js';
import { decodeFaceCrop } from '../../src/face/io/faceCrop.js';
import { FaceSetup } from '../../src/face/protocol/faceSetup.js';
import { FaceClient } from '../../src/face/protocol/client.js';
import { insecureTestPreset } from '../../src/face/testing/insecureTestPreset.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';

const preset = insecureTestPreset();

/** max |block r−1's output| (the stem's for r = 0) over the patches, from the layers themselves. */
function referenceMax(patches: readonly Tensor3[], refreshBefore: number): number {
  let m = 0;
  patches.forEach((x, i) => {
    const w = preset.weights.patches[i]!;
    let h = conv2d(x, w.stem, { stride: 1, padding: 1 });
    for (let j = 0; j < refreshBefore; j++) h = blockForward(w.blocks[j]!, h);
    for (const v of h.data) m = Math.max(m, Math.abs(v));
  });
  return m;
}

const scaled = (patches: readonly Tensor3[], k: number): Tensor3[] => patches.map((p) => ({ ...p, data: p.data.map((v) => v * k) }));

describe('the key holder checks a face against the bootstrap bound before encrypting it (small insecure N = 2^11)', () => {
  let setup: FaceSetup;
  let client: FaceClient;
  beforeAll(() => {
    setup = FaceSetup.create(preset.weights, preset.options);
    client = FaceClient.create(setup, { random: seededRandom(new Uint8Array(32).fill(5)) });
  });

  it('reports the max |value| at the refresh point, equal to the layers recomputed by hand, and B', async () => {
    const r = setup.crypto.net.refreshBefore;
    expect(r).toBe(4);
    const hopper = preset.patchesFromCrop((await decodeFaceCrop(readFileSync(join(import.meta.dirname, '..', '..', 'assets', 'faces', 'hopper.png')), 'hopper.png')).rgb);
    for (const patches of [preset.faces.alice, preset.faces.aliceProbe, preset.faces.bob, hopper]) {
      const got = client.inspectPatches(patches);
      const want = referenceMax(patches, r!);
      expect(want).toBeGreaterThan(0);
      expect(Math.abs(got.refreshMaxAbs - want)).toBeLessThanOrEqual(1e-12 * want);
      expect(got).toMatchObject({ refreshBefore: 4, bound: preset.options.bound, withinBound: true });
    }
  });

  it('refuses a face beyond B with OUT_OF_RANGE before encrypting, unless allowOutOfRange', () => {
    // the HerPN blocks are quadratic: scaling the input by 40 takes the refresh point far past B = 8
    const loud = scaled(preset.faces.bob, 40);
    const check = client.inspectPatches(loud);
    expect(check.withinBound).toBe(false);
    expect(check.refreshMaxAbs).toBeGreaterThan(preset.options.bound);
    let error: unknown;
    try {
      client.encryptPatches(loud);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FaceInputError);
    expect((error as FaceInputError).code).toBe('OUT_OF_RANGE');
    expect(String((error as Error).message)).toContain(`B = ${preset.options.bound}`);
    expect(client.encryptPatches(loud, { allowOutOfRange: true }).length).toBeGreaterThan(0);
    expect(client.encryptPatches(preset.faces.bob).length).toBeGreaterThan(0);
  });

  it('the refusal follows the setup\'s bound: a bound just below a face\'s maximum refuses it, just above accepts it', () => {
    const m = client.inspectPatches(preset.faces.alice).refreshMaxAbs;
    const tight = FaceClient.create(FaceSetup.create(preset.weights, { ...preset.options, bound: m * 0.999 }), { random: seededRandom(new Uint8Array(32).fill(6)) });
    expect(() => tight.encryptPatches(preset.faces.alice)).toThrow(/OUT_OF_RANGE/);
    const loose = FaceClient.create(FaceSetup.create(preset.weights, { ...preset.options, bound: m * 1.001 }), { random: seededRandom(new Uint8Array(32).fill(6)) });
    expect(loose.encryptPatches(preset.faces.alice).length).toBeGreaterThan(0);
  });

  it('refuses a wrong number of patches', () => {
    expect(() => client.inspectPatches(preset.faces.alice.slice(1))).toThrow(RangeError);
  });
});

describe('the normalised feature against the matcher\'s norm bound (small insecure N = 2^11)', () => {
  it('inspectPatches reports ‖ŷ‖ of the polynomial normalisation; a face or a template beyond normBound is refused', async () => {
    const { normalizePoly, squaredNorm } = await import('../../src/face/normalize.js');
    const setup = FaceSetup.create(preset.weights, preset.options);
    const client = FaceClient.create(setup, { random: seededRandom(new Uint8Array(32).fill(7)) });
    const alice = client.inspectPatches(preset.faces.alice);
    const want = Math.sqrt(squaredNorm(normalizePoly(preset.embed(preset.faces.alice), preset.weights.normalization)));
    expect(Math.abs(alice.featureNorm - want)).toBeLessThanOrEqual(1e-12);
    expect(alice.normBound).toBe(1.25);
    expect(alice.featureNorm).toBeLessThan(1.25);
    // a matcher that assumes less than this face's length refuses the face and its template
    const strict = FaceClient.create(FaceSetup.create(preset.weights, { ...preset.options, matcher: { normBound: alice.featureNorm * 0.99 } }), { random: seededRandom(new Uint8Array(32).fill(8)) });
    expect(strict.inspectPatches(preset.faces.alice)).toMatchObject({ withinBound: false });
    expect(() => strict.encryptPatches(preset.faces.alice)).toThrow(/OUT_OF_RANGE.*normalised feature/);
    const feature = normalizePoly(preset.embed(preset.faces.alice), preset.weights.normalization);
    expect(() => strict.encryptTemplate(feature)).toThrow(/OUT_OF_RANGE/);
    expect(strict.encryptTemplate(feature, { allowOutOfRange: true }).length).toBeGreaterThan(0);
    expect(client.encryptTemplate(feature).length).toBeGreaterThan(0);
  });
});
