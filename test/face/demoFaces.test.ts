// The bundled demo faces (assets/faces/, public-domain photos aligned by tools/align) decode as 112×112 crops,
// are documented in SOURCES.md, and the committed plaintext CFNet4 (models/cfnet4: float64 forward pass,
// polynomial normalisation, τ from the manifest) gives the verdicts the demo relies on: each genuine pair
// accepted (d < τ), each impostor pair rejected. A regression check of data + model, not a benchmark: the
// distances are printed, not pinned.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { embedFace, loadWeights, normalizePoly, squaredDistance, verdict, type CfnetWeights } from '../../src/face/index.js';
import { decodeFaceCrop } from '../../src/face/io/faceCrop.js';
import { readModel } from './modelFiles.js';

const dir = join(import.meta.dirname, '..', '..', 'assets', 'faces');
const FILES = ['hopper.png', 'collins.png', 'hopper-probe.png', 'collins-probe.png'];
const GENUINE: [string, string][] = [['hopper.png', 'hopper-probe.png'], ['collins.png', 'collins-probe.png']];
const IMPOSTOR: [string, string][] = [['hopper.png', 'collins.png'], ['hopper.png', 'collins-probe.png'], ['collins.png', 'hopper-probe.png'], ['hopper-probe.png', 'collins-probe.png']];

let weights: CfnetWeights;
const emb = new Map<string, Float64Array>();

beforeAll(async () => {
  const { manifestText, binary } = readModel();
  weights = loadWeights(manifestText, binary);
  for (const f of FILES) {
    const img = await decodeFaceCrop(new Uint8Array(readFileSync(join(dir, f))), f);
    emb.set(f, normalizePoly(embedFace(weights, img.rgb), weights.normalization));
  }
});

describe('bundled demo faces', () => {
  it('every file is described in SOURCES.md', () => {
    const sources = readFileSync(join(dir, 'SOURCES.md'), 'utf8');
    for (const f of FILES) expect(sources, f).toContain(`\`${f}\``);
  });
  it('plaintext CFNet4: genuine pairs accepted, impostor pairs rejected (d vs τ)', () => {
    const d = (a: string, b: string) => squaredDistance(emb.get(a)!, emb.get(b)!);
    const lines = [...GENUINE, ...IMPOSTOR].map(([a, b]) => `${a} – ${b}: d = ${d(a, b).toFixed(4)}`);
    console.log(`τ = ${weights.tau}\n${lines.join('\n')}`);
    for (const [a, b] of GENUINE) expect(verdict(d(a, b), weights.tau).match, `${a} vs ${b}`).toBe(true);
    for (const [a, b] of IMPOSTOR) expect(verdict(d(a, b), weights.tau).match, `${a} vs ${b}`).toBe(false);
  });
});
