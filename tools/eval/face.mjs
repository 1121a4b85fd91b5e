#!/usr/bin/env node
// Evaluates the committed plaintext CryptoFaceNet (models/cfnet4, run through the BUILT library dist/face)
// against the dlib teacher on the face-data set (tools/face-data/work/dataset):
//  * held-out real pairs (pairs.json): ROC AUC, accuracy at the model's threshold, TAR at FAR = 1e-2, for
//    the teacher (L2 distance of raw descriptors, dlib's documented threshold 0.6), CFNet4 with exact L2
//    normalisation (τ_exact) and with the CKKS polynomial normalisation (τ) — both τ come from the weights
//    manifest (chosen on training-identity calibration pairs, never on these pairs);
//  * verdict agreement with the teacher on all pairs among the "heldout-aug" crops;
//  * the frozen protocol of docs/face-model.md §11 (tools/eval/protocol.mjs): crossPhoto (different photos of
//    one person), sameVideo / crossSession (video subjects), augSameSource / augCrossSource (held-out
//    augmented crops), augAucByLabel and augByIdentity, near-duplicates removed, the teacher next to ours,
//    and `bars` (issue 17's bars, met or not);
//  * a ROC plot (SVG) in out/face-eval/;
//  * `bounds` over all held-out and held-out augmented faces (src/face/bounds.ts): max |activation| at the
//    bootstrap point (block 4's input) and at every HerPN input, the fraction of ||y||^2 inside the
//    normalisation polynomial's fitted range, and `certification` (share of faces with max |x| at the
//    bootstrap point ≤ B/1.5, B = CRYPTOFACE_REFRESH_BOUND, and ||y||^2 in range); --write-bounds records the
//    bounds in the model's weights.json.
// Usage: npm run eval:face [-- --json] [--data DIR] [--model DIR] [--out DIR] [--no-build] [--write-bounds].
// Builds dist/ first; --json prints only the final JSON line (otherwise a readable report precedes it).
// This is NOT LFW: a small set of real faces reachable offline (see docs/face-model.md).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { accuracyAt, rocAuc, rocCurve, tarAtFar } from './metrics.mjs';
import { rocSvg } from './roc-svg.mjs';
import { protocolSets } from './protocol.mjs';

const root = path.resolve(import.meta.dirname, '..', '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? path.resolve(argv[i + 1]) : dflt;
};
const jsonOnly = argv.includes('--json');
const dataDir = opt('--data', path.join(root, 'tools', 'face-data', 'work', 'dataset'));
const modelDir = opt('--model', path.join(root, 'models', 'cfnet4'));
const outDir = opt('--out', path.join(root, 'out', 'face-eval'));
const say = (...a) => { if (!jsonOnly) console.log(...a); };

const TEACHER_THRESHOLD = 0.6; // dlib_face_recognition_resnet_model_v1: "same person" iff L2 distance < 0.6
const FAR = 1e-2;

// Build the library (tsc -p tsconfig.build.json). tsc still emits when unrelated files fail to type-check,
// so only a missing dist/face is fatal; compiler output goes to stderr to keep stdout parseable.
if (!argv.includes('--no-build')) {
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`warning: the library build reported errors (continuing with what was emitted):\n${r.stdout.split('\n').slice(0, 5).join('\n')}\n`);
}
const lib = await import(pathToFileURL(path.join(root, 'dist', 'face', 'index.js')).href).catch((e) => {
  console.error(`cannot import dist/face (run \`npm run build\` first): ${e.message}`);
  process.exit(2);
});
const { loadWeights, preprocessFace, BoundsMeter, parseBounds, mergeBounds, normalizeExact, normalizePoly, squaredDistance } = lib;
const { CRYPTOFACE_REFRESH_BOUND } = await import(pathToFileURL(path.join(root, 'dist', 'face', 'encrypted', 'cryptofaceParameters.js')).href);

const manifest = JSON.parse(fs.readFileSync(path.join(dataDir, 'manifest.json'), 'utf8'));
const pairs = JSON.parse(fs.readFileSync(path.join(dataDir, 'pairs.json'), 'utf8'));
const teacherBuf = fs.readFileSync(path.join(dataDir, 'teacher.f32'));
const tdim = manifest.teacher.dim;
const teacher = (i) => new Float32Array(teacherBuf.buffer, teacherBuf.byteOffset + i * tdim * 4, tdim);
const weights = loadWeights(fs.readFileSync(path.join(modelDir, 'weights.json'), 'utf8'), new Uint8Array(fs.readFileSync(path.join(modelDir, 'weights.bin'))));
const tau = weights.tau;
const tauExact = weights.manifest.threshold.tauExactNorm;

// embeddings of every held-out row (read rows from images.u8 on demand)
const fd = fs.openSync(path.join(dataDir, 'images.u8'), 'r');
const ROW = manifest.size * manifest.size * 3;
const heldout = manifest.items.filter((it) => it.split === 'heldout');
const aug = manifest.items.filter((it) => it.split === 'heldout-aug');
const emb = new Map();
const splitBounds = { heldout: undefined, 'heldout-aug': undefined };
const perInput = []; // { index, split, bootstrapMaxAbs, s, inRange } per face
const t0 = Date.now();
for (const it of [...heldout, ...aug]) {
  const rgb = new Uint8Array(ROW);
  fs.readSync(fd, rgb, 0, ROW, it.index * ROW);
  const meter = new BoundsMeter(weights); // one meter per face: per-input figures, merged below
  const y = meter.observe(preprocessFace(rgb, weights.inputSize));
  const b = meter.result(it.split);
  perInput.push({ index: it.index, split: it.split, bootstrapMaxAbs: b.bootstrapMaxAbs, s: b.normMin, inRange: b.normInRange === 1 });
  splitBounds[it.split] = splitBounds[it.split] === undefined ? b : mergeBounds(splitBounds[it.split], b, it.split);
  emb.set(it.index, { exact: normalizeExact(y), poly: normalizePoly(y, weights.normalization) });
}
fs.closeSync(fd);
const embedSeconds = (Date.now() - t0) / 1000;
say(`embedded ${emb.size} held-out faces in ${embedSeconds.toFixed(1)} s (${((1000 * embedSeconds) / emb.size).toFixed(0)} ms/face, plaintext float64)`);

const l2 = (a, b) => { let s = 0; for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2; return Math.sqrt(s); };
const dist = {
  teacher: ([i, j]) => l2(teacher(i), teacher(j)),
  exact: ([i, j]) => squaredDistance(emb.get(i).exact, emb.get(j).exact),
  poly: ([i, j]) => squaredDistance(emb.get(i).poly, emb.get(j).poly),
};
const thresholds = { teacher: TEACHER_THRESHOLD, exact: tauExact, poly: tau };
const labels = { teacher: `teacher ${manifest.teacher.name}`, exact: 'CFNet4 exact L2 norm', poly: 'CFNet4 polynomial norm' };

const heldoutReport = {};
const curves = [];
for (const k of ['teacher', 'exact', 'poly']) {
  const gen = pairs.genuine.map(dist[k]);
  const imp = pairs.impostor.map(dist[k]);
  const acc = accuracyAt(gen, imp, thresholds[k]);
  const far = tarAtFar(gen, imp, FAR);
  heldoutReport[k] = { auc: rocAuc(gen, imp), threshold: thresholds[k], accuracy: acc.balanced, pooledAccuracy: acc.pooled, tar: acc.tar, tnr: acc.tnr, tarAtFar1e2: far.tar };
  curves.push({ label: `${labels[k]} (AUC ${heldoutReport[k].auc.toFixed(4)})`, points: rocCurve(gen, imp) });
}

// verdict agreement on all pairs among the held-out augmented crops
const ag = { pairs: 0, agree: 0, genuine: 0, agreeGenuine: 0, teacherCorrect: 0, oursCorrect: 0, agreeExact: 0 };
const augD = { teacher: [[], []], poly: [[], []] }; // [genuine, impostor] distances by identity label
for (let a = 0; a < aug.length; a++) {
  for (let b = a + 1; b < aug.length; b++) {
    const p = [aug[a].index, aug[b].index];
    const same = aug[a].identity === aug[b].identity;
    const dt = dist.teacher(p);
    const dp = dist.poly(p);
    augD.teacher[same ? 0 : 1].push(dt);
    augD.poly[same ? 0 : 1].push(dp);
    const tv = dt < TEACHER_THRESHOLD;
    const ov = dp < tau;
    const ev = dist.exact(p) < tauExact;
    ag.pairs++;
    if (same) ag.genuine++;
    if (tv === ov) { ag.agree++; if (same) ag.agreeGenuine++; }
    if (tv === ev) ag.agreeExact++;
    if (tv === same) ag.teacherCorrect++;
    if (ov === same) ag.oursCorrect++;
  }
}
const agreement = {
  items: aug.length, pairs: ag.pairs, genuinePairs: ag.genuine,
  agreement: ag.agree / ag.pairs, agreementGenuine: ag.agreeGenuine / ag.genuine,
  agreementImpostor: (ag.agree - ag.agreeGenuine) / (ag.pairs - ag.genuine),
  agreementExactNorm: ag.agreeExact / ag.pairs,
  teacherAccuracy: ag.teacherCorrect / ag.pairs, oursAccuracy: ag.oursCorrect / ag.pairs,
  teacherAucByLabel: rocAuc(...augD.teacher), oursAucByLabel: rocAuc(...augD.poly),
};

fs.mkdirSync(outDir, { recursive: true });
const rocFile = path.join(outDir, 'roc.svg');
fs.writeFileSync(rocFile, rocSvg(`Held-out real pairs (${pairs.genuine.length} genuine / ${pairs.impostor.length} impostor) — not LFW`, curves));
const rocAugFile = path.join(outDir, 'roc-heldout-aug.svg');
fs.writeFileSync(rocAugFile, rocSvg(`Held-out augmented crops, all ${ag.pairs} pairs, by identity label — not LFW`, [
  { label: `${labels.teacher} (AUC ${agreement.teacherAucByLabel.toFixed(4)})`, points: rocCurve(...augD.teacher) },
  { label: `${labels.poly} (AUC ${agreement.oursAucByLabel.toFixed(4)})`, points: rocCurve(...augD.poly) },
], 1e-4));

const pct = (v) => `${(100 * v).toFixed(2)}%`;
say(`held-out real pairs: ${pairs.genuine.length} genuine, ${pairs.impostor.length} impostor (${new Set(heldout.map((h) => h.identity)).size} identities, ${heldout.length} images)`);
for (const k of ['teacher', 'exact', 'poly']) {
  const r = heldoutReport[k];
  say(`  ${labels[k].padEnd(40)} AUC ${r.auc.toFixed(4)}  acc@${r.threshold} ${pct(r.accuracy)} (TAR ${pct(r.tar)}, TNR ${pct(r.tnr)})  TAR@FAR=1e-2 ${pct(r.tarAtFar1e2)}`);
}
say(`verdict agreement with the teacher on ${agreement.pairs} pairs of ${agreement.items} held-out augmented crops: ${pct(agreement.agreement)} ` +
  `(genuine ${pct(agreement.agreementGenuine)}, impostor ${pct(agreement.agreementImpostor)}; exact norm ${pct(agreement.agreementExactNorm)}); ` +
  `accuracy vs identity labels: teacher ${pct(agreement.teacherAccuracy)}, ours ${pct(agreement.oursAccuracy)}; ` +
  `AUC by identity label: teacher ${agreement.teacherAucByLabel.toFixed(4)}, ours (poly) ${agreement.oursAucByLabel.toFixed(4)}`);
const boundsBySplit = splitBounds;
const bounds = mergeBounds(boundsBySplit.heldout, boundsBySplit['heldout-aug'],
  `${path.relative(root, dataDir)}: ${heldout.length} heldout + ${aug.length} heldout-aug faces, all ${weights.grid ** 2} patches (npm run eval:face)`);
const fmt = (v) => (Number.isFinite(v) ? v.toPrecision(4) : String(v));
say(`bounds over ${bounds.count} faces: bootstrap point (block 4 input) max |x| ${fmt(bounds.bootstrapMaxAbs)}; HerPN inputs max |x| ` +
  Object.entries(bounds.herpnMaxAbs).map(([k, v]) => `${k} ${fmt(v)}`).join(', ') +
  `; ||y||^2 in [${fmt(bounds.normMin)}, ${fmt(bounds.normMax)}], ${pct(bounds.normInRange)} inside the fitted range [${bounds.normRange.map(fmt).join(', ')}]` +
  ` (heldout ${pct(boundsBySplit.heldout.normInRange)}, heldout-aug ${pct(boundsBySplit['heldout-aug'].normInRange)} = ` +
  `${Math.round((1 - boundsBySplit['heldout-aug'].normInRange) * boundsBySplit['heldout-aug'].count)} of ${boundsBySplit['heldout-aug'].count} outside)`);

// The frozen protocol (docs/face-model.md §11, tools/eval/protocol.mjs): cross-photo, same-video and
// same-source sets after near-duplicate removal; τ and the teacher's 0.6 fixed beforehand, never tuned here.
const sets = protocolSets(manifest.items, (i, j) => dist.teacher([i, j]));
function scoreSet(set) {
  const out = { genuinePairs: set.genuine.length, impostorPairs: set.impostor.length, perIdentity: set.perIdentity };
  for (const [k, name] of [['poly', 'ours'], ['teacher', 'teacher']]) {
    const gen = set.genuine.map(dist[k]);
    const imp = set.impostor.map(dist[k]);
    const acc = accuracyAt(gen, imp, thresholds[k]);
    out[name] = {
      auc: rocAuc(gen, imp), threshold: thresholds[k], accuracyAtTau: acc.balanced, tar: acc.tar, tnr: acc.tnr,
      acceptedGenuine: gen.filter((d) => d < thresholds[k]).length, acceptedImpostor: imp.filter((d) => d < thresholds[k]).length,
    };
  }
  return out;
}
const cpSet = sets.crossPhoto;
const crossPhoto = {
  images: cpSet.images.length, pairs: cpSet.genuine.length + cpSet.impostor.length, ...scoreSet(cpSet),
  genuine: cpSet.genuine.map((p) => ({ a: manifest.items[p[0]].source, b: manifest.items[p[1]].source, ours: dist.poly(p), teacher: dist.teacher(p) })),
};
// flatten the headline figures the issue names (auc, accuracyAtTau, accepted counts) next to the teacher's
Object.assign(crossPhoto, {
  auc: crossPhoto.ours.auc, accuracyAtTau: crossPhoto.ours.accuracyAtTau,
  acceptedGenuine: crossPhoto.ours.acceptedGenuine, acceptedImpostor: crossPhoto.ours.acceptedImpostor,
  teacherAuc: crossPhoto.teacher.auc, teacherAccuracyAtThreshold: crossPhoto.teacher.accuracyAtTau,
  teacherAcceptedGenuine: crossPhoto.teacher.acceptedGenuine, teacherAcceptedImpostor: crossPhoto.teacher.acceptedImpostor,
});
const augByIdentity = {};
for (const id of Object.keys(sets.aug.perIdentityItems).sort()) {
  const of = (p) => manifest.items[p[0]].identity === id || manifest.items[p[1]].identity === id;
  const gen = sets.aug.all.genuine.filter(of);
  const imp = sets.aug.all.impostor.filter(of);
  augByIdentity[id] = { items: sets.aug.perIdentityItems[id], genuinePairs: gen.length, impostorPairs: imp.length,
    auc: rocAuc(gen.map(dist.poly), imp.map(dist.poly)), teacherAuc: rocAuc(gen.map(dist.teacher), imp.map(dist.teacher)) };
}
const protocol = {
  nearDuplicates: { threshold: sets.nearDuplicates.threshold, heldoutRows: sets.nearDuplicates.heldoutRows, representatives: sets.nearDuplicates.representatives,
    merged: sets.nearDuplicates.merged.map(([i, j, d]) => [manifest.items[i].source, manifest.items[j].source, d]) },
  crossPhoto, sameVideo: scoreSet(sets.sameVideo), crossSession: scoreSet(sets.crossSession),
  augSameSource: scoreSet(sets.aug.sameSource), augCrossSource: scoreSet(sets.aug.crossSource),
};
const augAucByLabel = agreement.oursAucByLabel;
// Certification (issue 17): every evaluated face must have max |x| at the bootstrap point ≤ B / 1.5 (B = the
// encrypted side's refresh bound) and ||y||^2 inside the polynomial's fitted range.
const margin = CRYPTOFACE_REFRESH_BOUND / 1.5;
const within = perInput.filter((r) => r.bootstrapMaxAbs <= margin).length;
const certified = perInput.filter((r) => r.bootstrapMaxAbs <= margin && r.inRange).length;
const certification = { refreshBound: CRYPTOFACE_REFRESH_BOUND, bootstrapLimit: margin, inputs: perInput.length,
  withinBootstrapLimit: within / perInput.length, normInRange: perInput.filter((r) => r.inRange).length / perInput.length,
  certified: certified / perInput.length, uncertifiedInputs: perInput.length - certified };
const bars = {
  crossPhotoAuc: { value: crossPhoto.auc, bar: 0.95, met: crossPhoto.auc >= 0.95 },
  augAucByLabel: { value: augAucByLabel, bar: 0.97, met: augAucByLabel >= 0.97 },
  crossPhotoGenuineAccepted: { value: crossPhoto.acceptedGenuine, bar: crossPhoto.genuinePairs, met: crossPhoto.acceptedGenuine === crossPhoto.genuinePairs },
  crossPhotoImpostorsAccepted: { value: crossPhoto.acceptedImpostor, bar: crossPhoto.teacherAcceptedImpostor, met: crossPhoto.acceptedImpostor <= crossPhoto.teacherAcceptedImpostor },
  heldoutAuc: { value: heldoutReport.poly.auc, bar: 0.98, met: heldoutReport.poly.auc >= 0.98 },
  certified: { value: certification.certified, bar: 1, met: certification.certified === 1 },
};
say(`protocol (docs/face-model.md §11): near-duplicates merged ${protocol.nearDuplicates.merged.length} (${protocol.nearDuplicates.representatives} of ${protocol.nearDuplicates.heldoutRows} held-out rows kept)`);
for (const [name, r] of Object.entries({ crossPhoto, sameVideo: protocol.sameVideo, crossSession: protocol.crossSession, augSameSource: protocol.augSameSource, augCrossSource: protocol.augCrossSource })) {
  say(`  ${name.padEnd(15)} ${String(r.genuinePairs).padStart(6)} genuine / ${String(r.impostorPairs).padStart(6)} impostor: ours AUC ${r.ours.auc.toFixed(4)}, acc@τ ${pct(r.ours.accuracyAtTau)}, ` +
    `accepted ${r.ours.acceptedGenuine} gen / ${r.ours.acceptedImpostor} imp | teacher AUC ${r.teacher.auc.toFixed(4)}, accepted ${r.teacher.acceptedGenuine} / ${r.teacher.acceptedImpostor}  ${JSON.stringify(r.perIdentity)}`);
}
for (const g of crossPhoto.genuine) say(`    cross-photo genuine ${g.a} vs ${g.b}: ours d ${g.ours.toFixed(3)} (τ ${tau}), teacher ${g.teacher.toFixed(3)} (0.6)`);
say(`  augAucByLabel ${augAucByLabel.toFixed(4)} (teacher ${agreement.teacherAucByLabel.toFixed(4)}); by identity ` +
  Object.entries(augByIdentity).map(([k, v]) => `${k} ${v.auc.toFixed(3)}`).join(', '));
say(`  certification: ${pct(certification.certified)} of ${certification.inputs} faces certified (bootstrap max ≤ ${margin.toFixed(2)}: ${pct(certification.withinBootstrapLimit)}, norm in range ${pct(certification.normInRange)})`);
say(`  bars: ${Object.entries(bars).map(([k, v]) => `${k} ${v.met ? 'met' : 'NOT met'}`).join(', ')}`);
if (argv.includes('--write-bounds')) {
  parseBounds(bounds); // refuse to record non-finite or inconsistent figures
  const file = path.join(modelDir, 'weights.json');
  const text = fs.readFileSync(file, 'utf8');
  const m = JSON.parse(text);
  const at = text.indexOf('\n "byteLength"');
  if (m.bounds === undefined && at >= 0) {
    // first time: insert the field before byteLength and leave the rest of the file byte for byte
    const block = JSON.stringify({ bounds }, null, 1).split('\n').slice(1, -1).join('\n');
    fs.writeFileSync(file, `${text.slice(0, at + 1)}${block},\n${text.slice(at + 1)}`);
  } else {
    const out = {};
    for (const [k, v] of Object.entries(m)) {
      if (k === 'bounds') continue;
      if (k === 'byteLength') out.bounds = bounds;
      out[k] = v;
    }
    if (out.bounds === undefined) out.bounds = bounds;
    fs.writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
  }
  JSON.parse(fs.readFileSync(file, 'utf8'));
  say(`recorded bounds in ${path.relative(process.cwd(), file)}`);
}
say(`ROC plots: ${path.relative(process.cwd(), rocFile)}, ${path.relative(process.cwd(), rocAugFile)}`);
console.log(JSON.stringify({
  dataset: path.relative(root, dataDir), model: path.relative(root, modelDir), variant: weights.variant, notLfw: true,
  heldout: heldoutReport, heldoutAugAgreement: agreement, crossPhoto, augAucByLabel, augByIdentity, protocol,
  bounds: { ...bounds, certification }, boundsBySplit, bars, tau, rocSvg: [path.relative(root, rocFile), path.relative(root, rocAugFile)], embedSeconds,
}));
