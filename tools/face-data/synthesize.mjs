#!/usr/bin/env node
// Extra synthetic training identities made from the real TRAINING faces (never the held-out ones), each
// labelled by the dlib teacher on its clean (unaugmented) render (issue 17):
//  * morph3/NNNN: a pixel blend of three faces of different people, weights Dirichlet(1,1,1) with every
//    weight ≥ 0.15 (two-parent morphs already exist: docs/face-data.md);
//  * swapU/NNNN: region swap, eyes and brows from face A, nose, mouth and jaw from face B (soft horizontal
//    seam at y = 62 in the 112 template frame, between the eye line 51.7 and the nose tip 71.7);
//  * swapI/NNNN: region swap, the inner face (ellipse around eyes, nose and mouth) from A, the outer face,
//    hair and background from B.
// In swaps the donor's colour is matched to the host's (per-channel mean over the central face) so that the
// seam is not an edge the teacher or the student could key on. Masks are defined in the aligned 112 frame and
// mapped into the teacher's 150×150 view, so the teacher sees the same composite as the student.
// Output (git-ignored): work/extra/{images.u8 (N×112×112×3), teacher.f32 (N×128), manifest.json}.
//   node tools/face-data/synthesize.mjs [--morph3 1200] [--swapU 600] [--swapI 600] [--seed 20261130]
// Requires the detect stage's work/faces/faces.json (node tools/face-data/prepare.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compose, invert, teacherViewMatrix, warpAffine } from './lib/align.mjs';
import { Rng } from './lib/augment.mjs';
import { DESCRIPTOR_SIZE, describe, initFaceApi } from './lib/faceapi.mjs';
import { readRGB } from './lib/image-io.mjs';
import { PLAN } from './stages/plan.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
process.chdir(here); // faces.json holds paths relative to tools/face-data
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const COUNTS = { morph3: opt('--morph3', 1200), swapU: opt('--swapU', 600), swapI: opt('--swapI', 600) };
const SEED = opt('--seed', 20261130);
const SIZE = 112;
const OUT = path.join('work', 'extra');
const T150 = teacherViewMatrix(DESCRIPTOR_SIZE);
const VIEW_TO_112 = invert(T150);

const { faces } = JSON.parse(fs.readFileSync(path.join('work', 'faces', 'faces.json'), 'utf8'));
const bt = fs.readFileSync(path.join('work', 'faces', 'base-teacher.f32'));
const baseT = new Float32Array(bt.buffer.slice(bt.byteOffset, bt.byteOffset + bt.length));
const tdist = (i, j) => { let s = 0; for (let c = 0; c < 128; c++) s += (baseT[i * 128 + c] - baseT[j * 128 + c]) ** 2; return Math.sqrt(s); };
// parents: near-frontal training faces (the morph rule of stages/plan.mjs)
const parents = faces.filter((f) => f.split === 'train' && f.residual <= PLAN.morphMaxResidual);
const distinct = (list) => list.every((a, i) => list.every((b, j) => j <= i || tdist(a.id, b.id) >= PLAN.mergeBelow));

const sigmoid = (t) => 1 / (1 + Math.exp(-t));
/** Weight of the primary face (A) at template point (x, y). */
const MASKS = {
  swapU: (x, y) => sigmoid((62 - y) / 3),
  swapI: (x, y) => sigmoid((1 - Math.hypot((x - 56) / 27, (y - 72) / 35)) * 9),
};

const images = new Map();
const imageOf = async (f) => { if (!images.has(f.file)) images.set(f.file, await readRGB(f.file)); return images.get(f.file); };

/** Per-channel mean over the central face (template box x 30..82, y 40..100) of a 112 render. */
function faceMean(u8) {
  const m = [0, 0, 0];
  let n = 0;
  for (let y = 40; y < 100; y++) for (let x = 30; x < 82; x++) { for (let c = 0; c < 3; c++) m[c] += u8[(y * SIZE + x) * 3 + c]; n++; }
  return m.map((v) => v / n);
}

/** Renders a composite: crop (112) and teacher view (150). weightAt(k, x, y) in the 112 template frame. */
async function composite(fs_, weightAt, gains) {
  const crops = [];
  const views = [];
  for (const f of fs_) {
    const img = await imageOf(f);
    crops.push(warpAffine(img, f.align, SIZE));
    views.push(warpAffine(img, compose(T150, f.align), DESCRIPTOR_SIZE));
  }
  const blend = (layers, size, toTemplate) => {
    const out = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const [tx, ty] = toTemplate(x, y);
        const o = (y * size + x) * 3;
        for (let c = 0; c < 3; c++) {
          let v = 0;
          for (let k = 0; k < layers.length; k++) v += weightAt(k, tx, ty) * gains[k][c] * layers[k][o + c];
          out[o + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
        }
      }
    }
    return out;
  };
  const crop = blend(crops, SIZE, (x, y) => [x, y]);
  const view = blend(views, DESCRIPTOR_SIZE, (u, v) => [VIEW_TO_112[0] * u + VIEW_TO_112[1] * v + VIEW_TO_112[2], VIEW_TO_112[3] * u + VIEW_TO_112[4] * v + VIEW_TO_112[5]]);
  return { crop, view };
}

async function makeItem(kind, rng) {
  for (;;) {
    if (kind === 'morph3') {
      const fs_ = [rng.pick(parents), rng.pick(parents), rng.pick(parents)];
      if (!distinct(fs_)) continue;
      const g = fs_.map(() => -Math.log(1 - rng.next())); // Dirichlet(1,1,1) via exponentials
      const sum = g.reduce((s, v) => s + v, 0);
      const w = g.map((v) => v / sum);
      if (w.some((v) => v < 0.15)) continue;
      const r = await composite(fs_, (k) => w[k], fs_.map(() => [1, 1, 1]));
      return { ...r, parents: fs_.map((f, k) => ({ face: f.id, weight: +w[k].toFixed(4) })), source: `morph3 ${fs_.map((f, k) => `${w[k].toFixed(2)}*${f.identity}`).join(' + ')}` };
    }
    const fs_ = [rng.pick(parents), rng.pick(parents)];
    if (!distinct(fs_)) continue;
    const mask = MASKS[kind];
    // colour of the donor region matched to the host: swapU's host is B (lower face), swapI's host is B (outer)
    const [ma, mb] = [faceMean(warpAffine(await imageOf(fs_[0]), fs_[0].align, SIZE)), faceMean(warpAffine(await imageOf(fs_[1]), fs_[1].align, SIZE))];
    const gainA = ma.map((v, c) => Math.min(1.6, Math.max(0.6, mb[c] / Math.max(1, v))));
    const r = await composite(fs_, (k, x, y) => (k === 0 ? mask(x, y) : 1 - mask(x, y)), [gainA, [1, 1, 1]]);
    return { ...r, parents: fs_.map((f) => ({ face: f.id, weight: null })), source: `${kind} ${fs_[0].identity} into ${fs_[1].identity}` };
  }
}

const t0 = Date.now();
await initFaceApi();
fs.mkdirSync(OUT, { recursive: true });
const rng = new Rng(SEED);
const items = [];
const crops = [];
const teacher = [];
const BATCH = 8;
for (const [kind, n] of Object.entries(COUNTS)) {
  for (let s = 0; s < n; s += BATCH) {
    const batch = [];
    for (let k = s; k < Math.min(n, s + BATCH); k++) batch.push({ k, ...(await makeItem(kind, rng)) });
    const desc = await describe(batch.map((b) => b.view));
    batch.forEach((b, j) => {
      items.push({ index: items.length, identity: `${kind}/${String(b.k).padStart(4, '0')}`, kind, source: b.source, parents: b.parents });
      crops.push(b.crop);
      teacher.push(desc[j]);
    });
  }
  console.log(`${kind}: ${n} identities (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
fs.writeFileSync(path.join(OUT, 'images.u8'), Buffer.concat(crops.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length))));
const tb = new Float32Array(teacher.length * 128);
teacher.forEach((d, k) => tb.set(d, k * 128));
fs.writeFileSync(path.join(OUT, 'teacher.f32'), Buffer.from(tb.buffer));
// how distinct the new identities are (teacher L2 to the nearest other new identity)
let minD = Infinity;
let below = 0;
for (let i = 0; i < teacher.length; i++) {
  let m = Infinity;
  for (let j = 0; j < teacher.length; j++) {
    if (i === j) continue;
    let s = 0;
    for (let c = 0; c < 128; c++) s += (tb[i * 128 + c] - tb[j * 128 + c]) ** 2;
    m = Math.min(m, Math.sqrt(s));
  }
  minD = Math.min(minD, m);
  if (m < 0.4) below++;
}
const manifest = { version: 1, size: SIZE, count: items.length, seed: SEED, counts: COUNTS, teacher: { name: 'dlib-resnet34-face-api', dim: 128 },
  parentsUsed: parents.length, nearestOtherMin: minD, nearestOtherBelow04: below, items };
fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1));
console.log(`wrote ${items.length} identities to ${OUT} in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${parents.length} parent faces; ` +
  `nearest other new identity: min ${minD.toFixed(3)}, ${below} below 0.4`);
