// Stage 3: render every planned row (112x112 crop + 150x150 teacher view), run the dlib teacher, and write
// the dataset contract files into work/dataset/. Resumable: rows already in the *.partial files are kept.
import fs from 'node:fs';
import path from 'node:path';
import { initFaceApi, describe, DESCRIPTOR_SIZE } from '../lib/faceapi.mjs';
import { readRGB } from '../lib/image-io.mjs';
import { renderItem, SIZE } from '../lib/render.mjs';

const ROW = SIZE * SIZE * 3;
const DIM = 128;
const BATCH = 8;

/** Rows already complete in both partial files (truncate both to that count). */
function resumeCount(imgPath, tPath) {
  if (!fs.existsSync(imgPath) || !fs.existsSync(tPath)) return 0;
  const n = Math.min(Math.floor(fs.statSync(imgPath).size / ROW), Math.floor(fs.statSync(tPath).size / (DIM * 4)));
  fs.truncateSync(imgPath, n * ROW);
  fs.truncateSync(tPath, n * DIM * 4);
  return n;
}

export async function runRender(workDir, log = console.log) {
  const t0 = Date.now();
  const plan = JSON.parse(fs.readFileSync(path.join(workDir, 'plan.json'), 'utf8'));
  const { faces } = JSON.parse(fs.readFileSync(path.join(workDir, 'faces', 'faces.json'), 'utf8'));
  const outDir = path.join(workDir, 'dataset');
  fs.mkdirSync(outDir, { recursive: true });
  const imgPath = path.join(outDir, 'images.u8.partial'), tPath = path.join(outDir, 'teacher.f32.partial');
  const planHash = `${plan.items.length}:${plan.plan.seed}:${plan.perIdentity}`;
  const stamp = path.join(outDir, '.partial-plan');
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== planHash) {
    fs.rmSync(imgPath, { force: true });
    fs.rmSync(tPath, { force: true });
    fs.writeFileSync(stamp, planHash);
  }
  const start = resumeCount(imgPath, tPath);
  const C = plan.items.length;
  if (start) log(`  resuming at row ${start}/${C}`);
  await initFaceApi();

  // decode each needed source image once
  const cache = new Map();
  const imageOf = async (faceId) => {
    const file = faces[faceId].file;
    if (!cache.has(file)) cache.set(file, await readRGB(file));
    return cache.get(file);
  };
  const fdI = fs.openSync(imgPath, 'a'), fdT = fs.openSync(tPath, 'a');
  let lastLog = Date.now();
  try {
    for (let s = start; s < C; s += BATCH) {
      const batch = plan.items.slice(s, s + BATCH);
      const rendered = [];
      for (const it of batch) {
        const parents = [];
        for (const p of it.parents) parents.push({ img: await imageOf(p.face), A: faces[p.face].align, weight: p.weight });
        rendered.push(await renderItem(parents, it.aug, true));
      }
      const desc = await describe(rendered.map((r) => r.view));
      const tbuf = new Float32Array(desc.length * DIM);
      desc.forEach((d, k) => tbuf.set(d, k * DIM));
      fs.writeSync(fdI, Buffer.concat(rendered.map((r) => Buffer.from(r.crop.buffer, r.crop.byteOffset, r.crop.length))));
      fs.writeSync(fdT, Buffer.from(tbuf.buffer));
      const done = s + batch.length;
      if (Date.now() - lastLog > 30000 || done === C) {
        const rate = (done - start) / ((Date.now() - t0) / 1000);
        log(`  rendered ${done}/${C} rows (${rate.toFixed(1)} rows/s, ETA ${((C - done) / rate / 60).toFixed(1)} min)`);
        lastLog = Date.now();
      }
    }
  } finally {
    fs.closeSync(fdI);
    fs.closeSync(fdT);
  }
  if (fs.statSync(imgPath).size !== C * ROW || fs.statSync(tPath).size !== C * DIM * 4) throw new Error('row count mismatch after render');

  // contract files: binary rows, manifest (items in row order), pairs
  const manifest = {
    version: 1, size: SIZE, count: C, teacher: { name: 'dlib-resnet34-face-api', dim: DIM },
    items: plan.items.map((it) => ({ index: it.index, identity: it.identity, split: it.split, source: it.source, augmented: it.augmented })),
  };
  fs.renameSync(imgPath, path.join(outDir, 'images.u8'));
  fs.renameSync(tPath, path.join(outDir, 'teacher.f32'));
  fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  fs.writeFileSync(path.join(outDir, 'pairs.json'), JSON.stringify(plan.pairs));
  // provenance details (not part of the contract): parents, blend weights, augmentation parameters, teacher view
  fs.writeFileSync(path.join(outDir, 'details.json'), JSON.stringify({
    note: 'Row-aligned with manifest.json. parents[].face indexes work/faces/faces.json. The teacher saw a ' +
      `${DESCRIPTOR_SIZE}x${DESCRIPTOR_SIZE} view of the same augmented face (face-api dlib box in the aligned frame).`,
    plan: plan.plan, perIdentity: plan.perIdentity, merges: plan.merges, leaks: plan.leaks,
    items: plan.items.map((it) => ({ parents: it.parents, aug: it.aug })),
  }));
  fs.rmSync(stamp, { force: true });
  log(`stage render: ${C} rows in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
}
