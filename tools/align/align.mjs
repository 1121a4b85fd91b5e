#!/usr/bin/env node
// Aligns the face in any photo (JPEG, PNG, WebP, … anything sharp/libvips decodes) to the 112×112 crop that
// the model takes, with the same detector, landmarks and similarity transform as tools/face-data (face-api
// SSD-MobileNetV1 + 68 landmarks → 5 points → least-squares similarity onto the InsightFace template →
// bilinear warp, black border). Writes a 112×112 RGB PNG atomically (temporary file + fsync + rename).
//
//   node tools/align/align.mjs <in> <out.png> [--flip] [--crop=x,y,w,h] [--gamma=g] [--brightness=k] [--json]
//
// Needs tools/face-data's dependencies (`npm ci --prefix tools/face-data`). Dev tool: the library never
// imports it. See tools/align/README.md.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const USAGE = 'usage: node tools/align/align.mjs <in> <out.png> [--flip] [--crop=x,y,w,h] [--gamma=g] [--brightness=k] [--json]';
const faceData = path.resolve(import.meta.dirname, '..', 'face-data');

class UsageError extends Error {}

function parseArgs(argv) {
  const pos = [];
  const o = { flip: false, crop: null, gamma: 1, brightness: 1, json: false };
  for (const a of argv) {
    if (a === '--flip') o.flip = true;
    else if (a === '--json') o.json = true;
    else if (a.startsWith('--crop=')) {
      const v = a.slice(7).split(',').map(Number);
      if (v.length !== 4 || !v.every((x) => Number.isInteger(x) && x >= 0) || v[2] < 1 || v[3] < 1) throw new UsageError(`--crop wants x,y,w,h in whole pixels, got ${a.slice(7)}`);
      o.crop = { x: v[0], y: v[1], w: v[2], h: v[3] };
    } else if (a.startsWith('--gamma=') || a.startsWith('--brightness=')) {
      const [k, s] = a.slice(2).split('=');
      const v = Number(s);
      if (!(v > 0 && v < 10)) throw new UsageError(`--${k} wants a number in (0, 10), got ${s}`);
      o[k] = v;
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else pos.push(a);
  }
  if (pos.length !== 2) throw new UsageError(`expected an input and an output file, got ${pos.length} argument(s)`);
  if (!pos[1].toLowerCase().endsWith('.png')) throw new UsageError(`the output must be a .png file: ${pos[1]}`);
  return { input: pos[0], output: pos[1], ...o };
}

/** Source edits before detection: crop, then horizontal mirror, then out = 255·min(1, k·(in/255)^gamma). */
function edit(img, o) {
  let { data, width, height } = img;
  if (o.crop) {
    const { x, y, w, h } = o.crop;
    if (x + w > width || y + h > height) throw new Error(`--crop ${x},${y},${w},${h} leaves the ${width}×${height} image`);
    const out = new Uint8Array(w * h * 3);
    for (let r = 0; r < h; r++) out.set(data.subarray(((y + r) * width + x) * 3, ((y + r) * width + x + w) * 3), r * w * 3);
    data = out;
    width = w;
    height = h;
  }
  if (o.flip) {
    const out = new Uint8Array(data.length);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) out.set(data.subarray((r * width + c) * 3, (r * width + c) * 3 + 3), (r * width + width - 1 - c) * 3);
    }
    data = out;
  }
  if (o.gamma !== 1 || o.brightness !== 1) {
    const lut = Uint8Array.from({ length: 256 }, (_, v) => Math.min(255, Math.round(255 * o.brightness * (v / 255) ** o.gamma)));
    data = data.map((v) => lut[v]);
  }
  return { data, width, height };
}

/** Grey border (SSD misses faces that fill the frame); same retry as tools/face-data/stages/detect.mjs. */
function pad(img, share) {
  const px = Math.round(img.width * share), py = Math.round(img.height * share);
  const W = img.width + 2 * px, H = img.height + 2 * py;
  const data = new Uint8Array(W * H * 3).fill(128);
  for (let y = 0; y < img.height; y++) data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((y + py) * W + px) * 3);
  return { img: { data, width: W, height: H }, px, py };
}

/** Writes bytes to file through a temporary file in the same directory (fsync, rename). */
function writeFileAtomic(file, bytes) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(faceData, 'node_modules', '@vladmandic', 'face-api'))) {
    throw new Error('tools/face-data dependencies are missing: run `npm ci --prefix tools/face-data` first');
  }
  const { readRGB } = await import('../face-data/lib/image-io.mjs');
  const { initFaceApi, detectFaces } = await import('../face-data/lib/faceapi.mjs');
  const { alignMatrix, alignResidual, warpAffine } = await import('../face-data/lib/align.mjs');
  const sharp = createRequire(path.join(faceData, 'package.json'))('sharp');

  if (!fs.existsSync(o.input)) throw new Error(`${o.input}: no such file`);
  const outDir = path.dirname(path.resolve(o.output));
  if (!fs.existsSync(outDir) || !fs.statSync(outDir).isDirectory()) throw new Error(`${o.output}: the directory ${outDir} does not exist`);
  let img;
  try {
    img = await readRGB(o.input);
  } catch (e) {
    throw new Error(`${o.input}: not a readable image (${String(e.message).split('\n')[0]})`);
  }
  img = edit(img, o);
  await initFaceApi();
  let faces = await detectFaces(img);
  let padded = false;
  if (!faces.length) {
    const p = pad(img, 0.3);
    faces = (await detectFaces(p.img)).map((f) => ({
      ...f,
      box: { ...f.box, x: f.box.x - p.px, y: f.box.y - p.py },
      landmarks: f.landmarks.map(([x, y]) => [x - p.px, y - p.py]),
    }));
    padded = faces.length > 0;
  }
  if (!faces.length) throw new Error(`${o.input}: no face found (SSD-MobileNetV1, confidence ≥ 0.5, also tried with a 30% grey border)`);
  const notes = [];
  const area = (f) => f.box.width * f.box.height;
  const face = faces.reduce((a, b) => (area(b) > area(a) ? b : a));
  if (faces.length > 1) {
    const boxes = faces.map((f) => `${Math.round(f.box.width)}×${Math.round(f.box.height)} at (${Math.round(f.box.x)}, ${Math.round(f.box.y)})`);
    notes.push(`${faces.length} faces found (${boxes.join('; ')}); using the largest`);
  }
  if (padded) notes.push('face found only after adding a grey border (it fills the frame)');
  const A = alignMatrix(face.landmarks);
  const residual = alignResidual(face.landmarks, A);
  if (residual > 6) notes.push(`5-point alignment residual ${residual.toFixed(2)} px > 6 (tools/face-data's limit): near-profile or poor landmarks, the crop may be bad`);
  if (face.box.width < 40) notes.push(`face box is only ${Math.round(face.box.width)} px wide (< 40): the crop is upsampled and blurry`);
  const crop = warpAffine(img, A, 112);
  const png = await sharp(Buffer.from(crop.buffer, crop.byteOffset, crop.length), { raw: { width: 112, height: 112, channels: 3 } })
    .png({ compressionLevel: 9 }).toBuffer();
  writeFileAtomic(o.output, png);
  const report = {
    input: o.input, output: o.output, image: [img.width, img.height], faces: faces.length,
    score: +face.score.toFixed(4), box: Object.fromEntries(Object.entries(face.box).map(([k, v]) => [k, +v.toFixed(1)])),
    residual: +residual.toFixed(3), matrix: A.map((v) => +v.toFixed(6)),
    edits: { flip: o.flip, crop: o.crop, gamma: o.gamma, brightness: o.brightness }, notes,
  };
  if (o.json) console.log(JSON.stringify(report));
  else {
    for (const n of notes) console.error(`align: note: ${n}`);
    console.log(`align: ${o.input} → ${o.output} (112×112; face score ${report.score}, box ${Math.round(face.box.width)} px, residual ${report.residual} px)`);
  }
}

main().catch((e) => {
  if (e instanceof UsageError) {
    console.error(`align: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`align: error: ${e.message}`);
  process.exit(1);
});
