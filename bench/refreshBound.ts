/**
 * The bound B of the refresh (src/face/encrypted/bootstrapRefresher.ts): max |activation| at the refresh point
 * (block 3's output, every patch, every channel and pixel) of the trained CFNet4 (models/cfnet4), float64 forward
 * pass of src/face/model.ts, over the reference faces and augmented versions of them (horizontal flip, brightness
 * ×0.6 / ×1.4, contrast ×0.5 / ×1.5, additive noise σ = 12 and 25 grey levels, shifts by ±6 pixels, grey-scale,
 * inversion as an out-of-distribution extreme). `npx tsx bench/refreshBound.ts` prints one row per input and a
 * JSON line with the maxima (in distribution, and with the extremes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWeights } from '../src/face/weights.js';
import { embedFace } from '../src/face/model.js';

const root = join(import.meta.dirname, '..', '..');
const model = join(root, 'models', 'cfnet4');
const weights = loadWeights(readFileSync(join(model, 'weights.json'), 'utf8'), new Uint8Array(readFileSync(join(model, 'weights.bin'))));
const faces = new Uint8Array(readFileSync(join(model, 'reference', 'inputs.u8')));
const S = 112;
const count = faces.length / (S * S * 3);

let state = 12345;
const gauss = (): number => {
  const u = (): number => {
    state = (Math.imul(state ^ (state >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  return Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
};
const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
const map = (img: Uint8Array, f: (v: number, y: number, x: number, c: number) => number): Uint8Array => {
  const out = new Uint8Array(img.length);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) out[(y * S + x) * 3 + c] = clamp(f(img[(y * S + x) * 3 + c]!, y, x, c));
  return out;
};
const at = (img: Uint8Array, y: number, x: number, c: number): number => img[(Math.max(0, Math.min(S - 1, y)) * S + Math.max(0, Math.min(S - 1, x))) * 3 + c]!;
const mean = (img: Uint8Array): number => img.reduce((a, b) => a + b, 0) / img.length;

const augmentations: [string, (img: Uint8Array) => Uint8Array, boolean][] = [
  ['original', (img) => img, true],
  ['flip', (img) => map(img, (_v, y, x, c) => at(img, y, S - 1 - x, c)), true],
  ['brightness 0.6', (img) => map(img, (v) => v * 0.6), true],
  ['brightness 1.4', (img) => map(img, (v) => v * 1.4), true],
  ['contrast 0.5', (img) => { const m = mean(img); return map(img, (v) => m + (v - m) * 0.5); }, true],
  ['contrast 1.5', (img) => { const m = mean(img); return map(img, (v) => m + (v - m) * 1.5); }, true],
  ['noise 12', (img) => map(img, (v) => v + 12 * gauss()), true],
  ['noise 25', (img) => map(img, (v) => v + 25 * gauss()), true],
  ['shift +6', (img) => map(img, (_v, y, x, c) => at(img, y - 6, x - 6, c)), true],
  ['shift -6', (img) => map(img, (_v, y, x, c) => at(img, y + 6, x + 6, c)), true],
  ['grey', (img) => map(img, (_v, y, x) => (at(img, y, x, 0) + at(img, y, x, 1) + at(img, y, x, 2)) / 3), true],
  ['inverted (out of distribution)', (img) => map(img, (v) => 255 - v), false],
  ['noise 60 (out of distribution)', (img) => map(img, (v) => v + 60 * gauss()), false],
];

let inDistribution = 0;
let all = 0;
const rows: { face: number; input: string; block3: number; block2: number; block4: number }[] = [];
for (let k = 0; k < count; k++) {
  const rgb = faces.subarray(k * S * S * 3, (k + 1) * S * S * 3);
  for (const [name, f, inDist] of augmentations) {
    const maxOf: Record<string, number> = {};
    embedFace(weights, f(rgb), (_p, layer, v) => {
      const data = v instanceof Float64Array ? v : v.data;
      let m = maxOf[layer] ?? 0;
      for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]!));
      maxOf[layer] = m;
    });
    const b3 = maxOf.block3 ?? NaN;
    rows.push({ face: k, input: name, block3: b3, block2: maxOf.block2 ?? NaN, block4: maxOf.block4 ?? NaN });
    all = Math.max(all, b3);
    if (inDist) inDistribution = Math.max(inDistribution, b3);
  }
}
console.log('| face | input | max \\|block 2\\| | max \\|block 3\\| (refresh input) | max \\|block 4\\| |');
console.log('|---:|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.face} | ${r.input} | ${r.block2.toFixed(3)} | ${r.block3.toFixed(3)} | ${r.block4.toFixed(3)} |`);
console.log(JSON.stringify({ faces: count, inputs: rows.length, max_block3_in_distribution: inDistribution, max_block3_all: all }));
