// Stage 2: decide every dataset row (deterministic, seeded): identity merges, morph identities, augmentation
// parameters, held-out pairs. Output: work/plan.json (rendered by stages/render.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { Rng, sampleAug, NO_AUG } from '../lib/augment.mjs';

export const PLAN = {
  seed: 20250830,
  targetTrain: 20000, // training crops (real + morph identities)
  minPerIdentity: 20, maxPerIdentity: 40,
  maxMorphs: 1000,
  morphWeight: [0.3, 0.7],
  morphMaxResidual: 5, // only near-frontal, well-aligned faces are morph parents
  mergeBelow: 0.5, // training faces closer than this (teacher L2) are treated as one identity
  leakBelow: 0.5, // training faces closer than this to ANY held-out face are dropped
  heldoutAug: 500,
  maxPairs: 20000, // per kind; above that a seeded subsample
};

function loadFaces(workDir) {
  const dir = path.join(workDir, 'faces');
  const { faces } = JSON.parse(fs.readFileSync(path.join(dir, 'faces.json'), 'utf8'));
  const b = fs.readFileSync(path.join(dir, 'base-teacher.f32'));
  const T = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  const dist = (i, j) => {
    let s = 0;
    for (let c = 0; c < 128; c++) { const x = T[i * 128 + c] - T[j * 128 + c]; s += x * x; }
    return Math.sqrt(s);
  };
  return { faces, dist };
}

function unionFind(n) {
  const p = Array.from({ length: n }, (_, i) => i);
  const find = (i) => (p[i] === i ? i : (p[i] = find(p[i])));
  return { find, union: (a, b) => { const ra = find(a), rb = find(b); if (ra !== rb) p[Math.max(ra, rb)] = Math.min(ra, rb); } };
}

function allPairs(items, sameOf, rng, cap) {
  const genuine = [], impostor = [];
  for (let a = 0; a < items.length; a++) for (let b = a + 1; b < items.length; b++) {
    (sameOf(items[a], items[b]) ? genuine : impostor).push([items[a].index, items[b].index]);
  }
  const capIt = (arr) => (arr.length <= cap ? arr : rng.shuffle(arr).slice(0, cap).sort((x, y) => x[0] - y[0] || x[1] - y[1]));
  return { genuine: capIt(genuine), impostor: capIt(impostor) };
}

export function runPlan(workDir, log = console.log) {
  const rng = new Rng(PLAN.seed);
  const { faces, dist } = loadFaces(workDir);
  const heldout = faces.filter((f) => f.split === 'heldout');
  let train = faces.filter((f) => f.split === 'train');

  // 1. leakage guard: no training face may look like a held-out person
  const leaks = train.filter((t) => heldout.some((h) => dist(t.id, h.id) < PLAN.leakBelow));
  for (const l of leaks) log(`  ! dropping training face ${l.source}: within ${PLAN.leakBelow} of a held-out face`);
  train = train.filter((t) => !leaks.includes(t));

  // 2. merge probable repeats among the unlabelled training faces
  const uf = unionFind(train.length);
  const merges = [];
  for (let a = 0; a < train.length; a++) for (let b = a + 1; b < train.length; b++) {
    const d = dist(train[a].id, train[b].id);
    if (d < PLAN.mergeBelow) { uf.union(a, b); merges.push([train[a].source, train[b].source, +d.toFixed(3)]); }
  }
  for (const m of merges) log(`  merged training faces ${m[0]} + ${m[1]} (teacher distance ${m[2]})`);
  const realIds = new Map(); // root -> {identity, faces}
  train.forEach((f, i) => {
    const r = uf.find(i);
    if (!realIds.has(r)) realIds.set(r, { identity: train[r].identity, faces: [] });
    realIds.get(r).faces.push(f);
  });
  const reals = [...realIds.values()];

  // 3. morph identities: one per unordered pair of distinct real identities (near-frontal parents only)
  const parentsOf = reals.map((r) => r.faces.filter((f) => f.residual <= PLAN.morphMaxResidual)).map((fs_, k) => ({ k, fs: fs_ }))
    .filter((x) => x.fs.length);
  const pairs = [];
  for (let a = 0; a < parentsOf.length; a++) for (let b = a + 1; b < parentsOf.length; b++) pairs.push([parentsOf[a], parentsOf[b]]);
  rng.shuffle(pairs);
  const nMorph = Math.min(pairs.length, PLAN.maxMorphs);
  const morphs = pairs.slice(0, nMorph).map(([a, b], m) => {
    const fa = rng.pick(a.fs), fb = rng.pick(b.fs), w = +rng.uniform(...PLAN.morphWeight).toFixed(4);
    return { identity: `morph/${String(m).padStart(4, '0')}`, parents: [{ face: fa.id, weight: w }, { face: fb.id, weight: +(1 - w).toFixed(4) }],
      source: `morph ${w.toFixed(2)}*${fa.identity} + ${(1 - w).toFixed(2)}*${fb.identity}` };
  });
  const nIds = reals.length + morphs.length;
  const perId = Math.max(PLAN.minPerIdentity, Math.min(PLAN.maxPerIdentity, Math.round(PLAN.targetTrain / nIds)));
  log(`  ${reals.length} real training identities (${train.length} faces), ${morphs.length} morph identities ` +
    `(of ${pairs.length} possible pairs), ${perId} crops per identity`);

  // 4. rows
  const items = [];
  const add = (o) => items.push({ index: items.length, ...o });
  for (const r of reals) {
    r.faces.forEach((f) => add({ identity: r.identity, split: 'train', source: f.source, augmented: false, parents: [{ face: f.id, weight: 1 }], aug: NO_AUG }));
    for (let k = r.faces.length; k < perId; k++) {
      const f = r.faces[k % r.faces.length];
      add({ identity: r.identity, split: 'train', source: `${f.source} aug`, augmented: true, parents: [{ face: f.id, weight: 1 }], aug: sampleAug(rng) });
    }
  }
  for (const m of morphs) {
    add({ identity: m.identity, split: 'train', source: m.source, augmented: false, parents: m.parents, aug: NO_AUG });
    for (let k = 1; k < perId; k++) add({ identity: m.identity, split: 'train', source: `${m.source} aug`, augmented: true, parents: m.parents, aug: sampleAug(rng) });
  }
  const heldItems = heldout.map((f) => {
    add({ identity: f.identity, split: 'heldout', source: f.source, augmented: false, parents: [{ face: f.id, weight: 1 }], aug: NO_AUG });
    return items[items.length - 1];
  });
  const heldIds = [...new Set(heldout.map((f) => f.identity))];
  for (let k = 0; k < PLAN.heldoutAug; k++) {
    const id = heldIds[k % heldIds.length]; // balanced over held-out identities
    const f = rng.pick(heldout.filter((h) => h.identity === id));
    add({ identity: id, split: 'heldout-aug', source: `${f.source} aug`, augmented: true, parents: [{ face: f.id, weight: 1 }], aug: sampleAug(rng) });
  }
  const vpairs = allPairs(heldItems, (a, b) => a.identity === b.identity, rng, PLAN.maxPairs);

  const plan = { plan: PLAN, merges, leaks: leaks.map((l) => l.source), perIdentity: perId, items, pairs: vpairs };
  fs.writeFileSync(path.join(workDir, 'plan.json'), JSON.stringify(plan));
  const count = (s) => items.filter((i) => i.split === s).length;
  log(`stage plan: ${items.length} rows (train ${count('train')}, heldout ${count('heldout')}, heldout-aug ${count('heldout-aug')}); ` +
    `pairs genuine ${vpairs.genuine.length}, impostor ${vpairs.impostor.length}`);
  return plan;
}
