// Activation bounds (src/face/bounds.ts) on the committed CFNet4: the meter's HerPN-input maxima equal the
// maxima of the traced tensors they stand for (block j's input, conv1's output, block 4's output; all
// patches), the in-range fraction is inclusive at both ends, and the manifest's optional `bounds` field is
// validated by loadWeights (CORRUPT_WEIGHTS on malformed or inconsistent figures). The figures themselves are
// checked against PyTorch in officialConversion.test.ts (bounds of the official forward, ≤ 1e-9).
import { describe, expect, it } from 'vitest';
import {
  BOOTSTRAP_POINT, BoundsMeter, FaceModelError, HERPN_POINTS, embedInput, loadWeights, mergeBounds, parseBounds, preprocessFace, squaredNorm,
  type ActivationBounds,
} from '../../src/face/index.js';
import { readModel, readReference } from './modelFiles.js';

const { manifestText, binary } = readModel();
const weights = loadWeights(manifestText, binary);
const ref = readReference();
const inputs = ref.inputs.map((rgb) => preprocessFace(rgb, weights.inputSize));

function withManifest(edit: (m: Record<string, unknown>) => void): ReturnType<typeof loadWeights> {
  const m = JSON.parse(manifestText) as Record<string, unknown>;
  edit(m);
  return loadWeights(m, binary);
}

function expectCorrupt(fn: () => unknown): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FaceModelError);
  expect((err as FaceModelError).code).toBe('CORRUPT_WEIGHTS');
}

describe('activation bounds', () => {
  let measured: ActivationBounds;
  const norms: number[] = [];

  it('BoundsMeter maxima are the maxima of the traced HerPN inputs over all patches', () => {
    const want = new Map<string, number>(HERPN_POINTS.map((k) => [k, 0]));
    const source: Record<string, string> = { stem: 'block0.herpn1', block0: 'block1.herpn1', block1: 'block2.herpn1', block2: 'block3.herpn1', block3: 'block4.herpn1', block4: 'pool' };
    for (let j = 0; j < 5; j++) source[`block${j}.conv1`] = `block${j}.herpn2`;
    const meter = new BoundsMeter(weights);
    for (const x of inputs) {
      const y = embedInput(weights, x, (_p, name, v) => {
        const k = source[name];
        if (k === undefined || v instanceof Float64Array) return;
        want.set(k, Math.max(want.get(k)!, ...Array.from(v.data, Math.abs)));
      });
      norms.push(squaredNorm(y));
      expect(meter.observe(x)).toEqual(y);
    }
    measured = meter.result('reference faces');
    expect(measured.count).toBe(inputs.length);
    for (const k of HERPN_POINTS) expect(measured.herpnMaxAbs[k], k).toBe(want.get(k));
    expect(measured.bootstrapMaxAbs).toBe(want.get(BOOTSTRAP_POINT));
    expect(measured.normMin).toBe(Math.min(...norms));
    expect(measured.normMax).toBe(Math.max(...norms));
    expect(measured.normRange).toEqual([weights.normalization.stats.min, weights.normalization.stats.max]);
    expect(() => new BoundsMeter(weights).result('nothing')).toThrow(RangeError);
  });

  it('normInRange counts s inside [stats.min, stats.max], both ends inclusive', () => {
    const sorted = [...norms].sort((a, b) => a - b);
    const narrowed = withManifest((m) => {
      const n = m['normalization'] as { stats: Record<string, number> };
      n.stats['min'] = sorted[0]!;
      n.stats['max'] = sorted[1]!;
      delete m['bounds']; // recorded against the real range: the loader would (rightly) refuse the pair
    });
    const meter = new BoundsMeter(narrowed);
    for (const x of inputs) meter.observe(x);
    expect(meter.result('x').normInRange).toBeCloseTo(2 / sorted.length, 15);
  });

  it('mergeBounds of two disjoint input sets equals the bounds of their union', () => {
    const a = new BoundsMeter(weights);
    const b = new BoundsMeter(weights);
    inputs.forEach((x, k) => (k === 0 ? a : b).observe(x));
    const merged = mergeBounds(a.result('a'), b.result('b'), 'reference faces');
    expect(merged).toEqual({ ...measured, normInRange: merged.normInRange });
    expect(merged.normInRange).toBeCloseTo(measured.normInRange, 15);
  });

  it('the manifest field is validated by loadWeights and exposed as weights.bounds', () => {
    const good = { ...measured, normRange: [...measured.normRange] };
    expect(parseBounds(JSON.parse(JSON.stringify(good)))).toEqual(measured);
    expect(withManifest((m) => (m['bounds'] = good)).bounds).toEqual(measured);
    expect(withManifest((m) => delete m['bounds']).bounds).toBeUndefined();
    expect(weights.bounds?.count).toBe(639); // the committed figures (npm run eval:face -- --write-bounds) load
    const bad: Array<(b: Record<string, unknown>) => void> = [
      (b) => (b['bootstrapMaxAbs'] = -1),
      (b) => (b['bootstrapMaxAbs'] = (b['bootstrapMaxAbs'] as number) * 2), // ≠ herpnMaxAbs at the bootstrap point
      (b) => (b['count'] = 0),
      (b) => (b['normInRange'] = 1.5),
      (b) => (b['normRange'] = [300, 200]),
      (b) => (b['normRange'] = [1, 2]), // not the polynomial's fitted range
      (b) => (b['normMin'] = 1e9),
      (b) => delete (b['herpnMaxAbs'] as Record<string, number>)['pool'],
      (b) => ((b['herpnMaxAbs'] as Record<string, number>)['block9.herpn1'] = 1),
      (b) => ((b['herpnMaxAbs'] as Record<string, unknown>)['pool'] = null),
      (b) => delete b['inputs'],
    ];
    for (const f of bad) {
      const b = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
      f(b);
      expectCorrupt(() => withManifest((m) => (m['bounds'] = b)));
    }
    expectCorrupt(() => withManifest((m) => (m['bounds'] = 'wide')));
  });
});
