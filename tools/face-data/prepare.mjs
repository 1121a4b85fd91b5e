#!/usr/bin/env node
// One command for the whole face dataset (see docs/face-data.md):
//   npm ci --prefix tools/face-data && node tools/face-data/prepare.mjs [--force | --from=detect|plan|render|check]
// Stages: detect (faces + landmarks + alignment) -> plan (split, merges, morphs, augmentation draws, pairs)
//      -> render (crops + dlib teacher, resumable) -> check (contract, counts, teacher AUC).
// Everything is written under tools/face-data/work/ (git-ignored); nothing is committed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
process.chdir(here); // relative paths in faces.json are relative to tools/face-data
const WORK = 'work';
const STAGES = ['detect', 'plan', 'render', 'check'];

const args = process.argv.slice(2);
const force = args.includes('--force');
const fromArg = args.find((a) => a.startsWith('--from='));
const from = fromArg ? fromArg.slice(7) : null;
if (from && !STAGES.includes(from)) throw new Error(`--from must be one of ${STAGES.join(', ')}`);
if (args.some((a) => a !== '--force' && !a.startsWith('--from='))) {
  console.error('usage: node prepare.mjs [--force | --from=detect|plan|render|check]');
  process.exit(2);
}

fs.mkdirSync(WORK, { recursive: true });
const logFile = fs.openSync(path.join(WORK, 'prepare.log'), 'a');
const t00 = Date.now();
const log = (msg) => {
  const line = `[${((Date.now() - t00) / 1000).toFixed(0).padStart(4)} s] ${msg}`;
  console.log(line);
  fs.writeSync(logFile, line + '\n');
};

const outputs = {
  detect: path.join(WORK, 'faces', 'faces.json'),
  plan: path.join(WORK, 'plan.json'),
  render: path.join(WORK, 'dataset', 'manifest.json'),
};
const mtime = (f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : -1);
const fromIdx = force ? 0 : from ? STAGES.indexOf(from) : STAGES.length;

/** A stage runs if asked to, if its output is missing, or if its input is newer than its output. */
function needed(stage, prevRan) {
  const i = STAGES.indexOf(stage);
  if (stage === 'check' || i >= fromIdx || prevRan) return true;
  const out = outputs[stage];
  if (mtime(out) < 0) return true;
  return i > 0 && mtime(outputs[STAGES[i - 1]]) > mtime(out);
}

log(`prepare: node ${process.version}, work dir ${path.resolve(WORK)}`);
let ran = false;
for (const stage of STAGES) {
  ran = needed(stage, ran);
  if (!ran) {
    log(`stage ${stage}: up to date (${outputs[stage]})`);
    continue;
  }
  log(`stage ${stage} ...`);
  if (stage === 'detect') await (await import('./stages/detect.mjs')).runDetect(WORK, log);
  if (stage === 'plan') (await import('./stages/plan.mjs')).runPlan(WORK, log);
  if (stage === 'render') {
    if (fs.existsSync(outputs.render)) fs.rmSync(outputs.render); // manifest marks completion
    await (await import('./stages/render.mjs')).runRender(WORK, log);
  }
  if (stage === 'check') await (await import('./stages/check.mjs')).runCheck(WORK, log);
}
log(`prepare: done in ${((Date.now() - t00) / 60000).toFixed(1)} min; dataset in ${path.resolve(WORK, 'dataset')}`);
fs.closeSync(logFile);
