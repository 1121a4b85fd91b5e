// Stage 1: detect faces + 68 landmarks in every source image, align to 112x112, and compute the teacher
// descriptor of each unaugmented face. Output: work/faces/{faces.json, base.u8, base-teacher.f32, faces.png}.
import fs from 'node:fs';
import path from 'node:path';
import { initFaceApi, detectFaces, versions } from '../lib/faceapi.mjs';
import { readRGB, writeContactSheet } from '../lib/image-io.mjs';
import { alignMatrix, alignResidual, warpAffine } from '../lib/align.mjs';
import { collectSources, VIDEO_FPS } from '../lib/sources.mjs';
import { teacherDescriptor } from '../lib/render.mjs';

export const MIN_SCORE = 0.5; // SSD-MobileNetV1 confidence
export const MIN_FACE_PX = 40; // detector box width; smaller faces are too blurry to upsample to 112
export const MAX_RESIDUAL = 6; // mean 5-point alignment residual (px in the 112 frame); above = near-profile
export const PAD = 0.3; // retry with this much grey border per side when a tight crop yields no face

function usable(faces) {
  return faces.filter((f) => f.score >= MIN_SCORE && f.box.width >= MIN_FACE_PX &&
    alignResidual(f.landmarks, alignMatrix(f.landmarks)) <= MAX_RESIDUAL);
}

/** Grey-padded copy: SSD misses faces that fill the whole frame (e.g. walter2_crop.jpg). */
function padImage(img, pad) {
  const px = Math.round(img.width * pad), py = Math.round(img.height * pad);
  const W = img.width + 2 * px, H = img.height + 2 * py;
  const data = new Uint8Array(W * H * 3).fill(128);
  for (let y = 0; y < img.height; y++) data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((y + py) * W + px) * 3);
  return { img: { data, width: W, height: H }, px, py };
}

async function detectPadded(img, single) {
  const faces = usable(await detectFaces(img));
  if (faces.length || !single) return faces;
  const p = padImage(img, PAD);
  return usable((await detectFaces(p.img)).map((f) => ({
    ...f,
    box: { ...f.box, x: f.box.x - p.px, y: f.box.y - p.py },
    landmarks: f.landmarks.map(([x, y]) => [x - p.px, y - p.py]),
  })));
}
const largest = (faces) => faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));

/** Detect in one file; for video frames fall back to the nearest unused neighbouring frame. */
async function detectSource(src, usedFrames) {
  const tryFiles = [src.file];
  if (src.candidates) {
    for (let d = 1; d <= 3; d++) for (const k of [src.frameIndex - d, src.frameIndex + d]) {
      if (k >= 0 && k < src.candidates.length && !usedFrames.has(src.candidates[k])) tryFiles.push(src.candidates[k]);
    }
  }
  for (const file of tryFiles) {
    const img = await readRGB(file);
    const faces = await detectPadded(img, src.mode === 'single');
    if (faces.length) {
      if (src.candidates) usedFrames.add(file);
      let source = src.source;
      if (file !== src.file) {
        const k = src.candidates.indexOf(file);
        source = source.replace(/@[\d.]+s$/, `@${(k / VIDEO_FPS).toFixed(1)}s`);
      }
      return { img, file, source, faces: src.mode === 'group' ? faces.sort((a, b) => a.box.x - b.box.x) : [largest(faces)] };
    }
  }
  return null;
}

export async function runDetect(workDir, log = console.log) {
  const outDir = path.join(workDir, 'faces');
  fs.mkdirSync(outDir, { recursive: true });
  const t0 = Date.now();
  await initFaceApi();
  log(`face-api ${JSON.stringify(versions())}`);
  const sources = collectSources(workDir, log);
  log(`${sources.length} source images`);
  const faces = [];
  const crops = [];
  const teach = [];
  const usedFrames = new Set();
  let skipped = 0;
  for (const [si, src] of sources.entries()) {
    const r = await detectSource(src, usedFrames);
    if (!r) {
      log(`  ! no usable face in ${src.source}`);
      skipped++;
      continue;
    }
    r.faces.forEach((f, k) => {
      const A = alignMatrix(f.landmarks);
      const identity = src.mode === 'group' ? `${src.identity}-f${k}` : src.identity;
      const crop = warpAffine(r.img, A, 112);
      faces.push({
        id: faces.length, identity, split: src.split, source: src.mode === 'group' ? `${r.source}#${k}` : r.source,
        file: path.relative(process.cwd(), r.file), width: r.img.width, height: r.img.height,
        score: +f.score.toFixed(4), box: Object.fromEntries(Object.entries(f.box).map(([a, v]) => [a, +v.toFixed(1)])),
        residual: +alignResidual(f.landmarks, A).toFixed(3),
        landmarks: f.landmarks.map(([x, y]) => [+x.toFixed(2), +y.toFixed(2)]), align: A,
      });
      crops.push(crop);
    });
    for (const f of r.faces) teach.push(await teacherDescriptor(r.img, alignMatrix(f.landmarks)));
    if ((si + 1) % 25 === 0) log(`  detected ${si + 1}/${sources.length} images, ${faces.length} faces`);
  }
  fs.writeFileSync(path.join(outDir, 'base.u8'), Buffer.concat(crops.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length))));
  const tf = new Float32Array(teach.length * 128);
  teach.forEach((d, i) => tf.set(d, i * 128));
  fs.writeFileSync(path.join(outDir, 'base-teacher.f32'), Buffer.from(tf.buffer));
  fs.writeFileSync(path.join(outDir, 'faces.json'), JSON.stringify({ versions: versions(), minScore: MIN_SCORE, minFacePx: MIN_FACE_PX, maxResidual: MAX_RESIDUAL, faces }, null, 1));
  await writeContactSheet(path.join(outDir, 'faces.png'), crops, 112, 16);
  log(`stage detect: ${faces.length} faces from ${sources.length - skipped}/${sources.length} images in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return faces.length;
}
