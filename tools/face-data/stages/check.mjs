// Stage 4: sanity check of work/dataset/: contract shape, counts per split/identity, the teacher's ROC AUC
// on pairs.json (L2 distance), plus robustness/morph diagnostics and contact sheets in work/sheets/.
import fs from 'node:fs';
import path from 'node:path';
import { writeContactSheet } from '../lib/image-io.mjs';
import { Rng } from '../lib/augment.mjs';

/** ROC AUC where a SMALLER score means "same" (Mann-Whitney with tie correction). */
export function aucSmallerIsPositive(pos, neg) {
  const all = pos.map((v) => [v, 1]).concat(neg.map((v) => [v, 0])).sort((a, b) => a[0] - b[0]);
  let rankSumPos = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const avgRank = (i + j + 1) / 2; // ranks i+1..j, ascending distance
    for (let k = i; k < j; k++) if (all[k][1]) rankSumPos += avgRank;
    i = j;
  }
  // P(pos distance < neg distance)
  const u = rankSumPos - (pos.length * (pos.length + 1)) / 2;
  return 1 - u / (pos.length * neg.length);
}

function bestAccuracy(pos, neg) {
  const all = pos.map((v) => [v, 1]).concat(neg.map((v) => [v, 0])).sort((a, b) => a[0] - b[0]);
  let tp = 0, best = neg.length / all.length, thr = 0;
  let tn = neg.length;
  for (let i = 0; i < all.length; i++) {
    if (all[i][1]) tp++; else tn--;
    const acc = (tp + tn) / all.length;
    if (acc > best) { best = acc; thr = i + 1 < all.length ? (all[i][0] + all[i + 1][0]) / 2 : all[i][0]; }
  }
  return { accuracy: best, threshold: thr };
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : NaN; };

export async function runCheck(workDir, log = console.log) {
  const dir = path.join(workDir, 'dataset');
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const pairs = JSON.parse(fs.readFileSync(path.join(dir, 'pairs.json'), 'utf8'));
  const details = JSON.parse(fs.readFileSync(path.join(dir, 'details.json'), 'utf8'));
  const C = m.count, D = m.teacher.dim, S = m.size;
  const imgBytes = fs.statSync(path.join(dir, 'images.u8')).size;
  const tb = fs.readFileSync(path.join(dir, 'teacher.f32'));
  if (imgBytes !== C * S * S * 3) throw new Error(`images.u8 has ${imgBytes} bytes, expected ${C * S * S * 3}`);
  if (tb.length !== C * D * 4) throw new Error(`teacher.f32 has ${tb.length} bytes, expected ${C * D * 4}`);
  if (m.items.length !== C || m.items.some((it, i) => it.index !== i)) throw new Error('manifest items out of order');
  const T = new Float32Array(tb.buffer.slice(tb.byteOffset, tb.byteOffset + tb.length));
  for (let i = 0; i < T.length; i++) if (!Number.isFinite(T[i])) throw new Error(`non-finite teacher value in row ${Math.floor(i / D)}`);
  const dist = (i, j) => { let s = 0; for (let c = 0; c < D; c++) { const x = T[i * D + c] - T[j * D + c]; s += x * x; } return Math.sqrt(s); };

  // counts
  const stats = { count: C, splits: {} };
  for (const sp of ['train', 'heldout', 'heldout-aug']) {
    const its = m.items.filter((it) => it.split === sp);
    const per = new Map();
    for (const it of its) per.set(it.identity, (per.get(it.identity) || 0) + 1);
    const counts = [...per.values()];
    stats.splits[sp] = { rows: its.length, identities: per.size, augmented: its.filter((i) => i.augmented).length,
      perIdentity: { min: Math.min(...counts), max: Math.max(...counts) } };
    if (sp !== 'train') stats.splits[sp].byIdentity = Object.fromEntries(per);
    else {
      const morphIds = [...per.keys()].filter((k) => k.startsWith('morph/')).length;
      stats.splits[sp].realIdentities = per.size - morphIds;
      stats.splits[sp].morphIdentities = morphIds;
    }
  }
  const heldSet = new Set(m.items.filter((i) => i.split !== 'train').map((i) => i.identity));
  const trainSet = new Set(m.items.filter((i) => i.split === 'train').map((i) => i.identity));
  if ([...heldSet].some((id) => trainSet.has(id))) throw new Error('identity overlap between train and held-out');
  for (const [a, b] of [...pairs.genuine, ...pairs.impostor]) {
    if (m.items[a].split !== 'heldout' || m.items[b].split !== 'heldout') throw new Error('pair outside split "heldout"');
  }

  // teacher on the held-out pairs
  const g = pairs.genuine.map(([a, b]) => dist(a, b)), im = pairs.impostor.map(([a, b]) => dist(a, b));
  stats.teacherHeldout = { genuine: g.length, impostor: im.length, auc: aucSmallerIsPositive(g, im), ...bestAccuracy(g, im),
    genuineMax: Math.max(...g), impostorMin: Math.min(...im), genuineMedian: median(g), impostorMedian: median(im) };

  // robustness: augmented held-out crops against the unaugmented held-out items
  const held = m.items.filter((i) => i.split === 'heldout');
  const rng = new Rng(7);
  const ag = [], ai = [];
  for (const it of m.items.filter((i) => i.split === 'heldout-aug')) {
    for (let k = 0; k < 20; k++) { const h = rng.pick(held); (h.identity === it.identity ? ag : ai).push(dist(it.index, h.index)); }
  }
  stats.teacherHeldoutAug = { genuine: ag.length, impostor: ai.length, auc: aucSmallerIsPositive(ag, ai), genuineMedian: median(ag), impostorMedian: median(ai) };

  // morph diagnostics: distance of a morph's unaugmented crop to its parents' and to other morphs
  const unaug = m.items.filter((i) => i.split === 'train' && !i.augmented);
  const baseRow = new Map(); // face id -> row of its unaugmented real crop
  for (const it of unaug) { const p = details.items[it.index].parents; if (p.length === 1) baseRow.set(p[0].face, it.index); }
  const morphs = unaug.filter((i) => details.items[i.index].parents.length === 2);
  const toParent = [], shareParent = [], disjoint = [];
  for (const it of morphs) for (const p of details.items[it.index].parents) if (baseRow.has(p.face)) toParent.push(dist(it.index, baseRow.get(p.face)));
  for (let k = 0; k < 4000 && morphs.length > 1; k++) {
    const a = rng.pick(morphs), b = rng.pick(morphs);
    if (a === b) continue;
    const pa = details.items[a.index].parents.map((p) => p.face), pb = details.items[b.index].parents.map((p) => p.face);
    (pa.some((f) => pb.includes(f)) ? shareParent : disjoint).push(dist(a.index, b.index));
  }
  stats.morphs = { medianToParent: median(toParent), medianMorphSharingParent: median(shareParent), medianMorphDisjoint: median(disjoint),
    fracSharingParentBelow06: shareParent.filter((d) => d < 0.6).length / Math.max(1, shareParent.length) };
  const realUnaug = unaug.filter((i) => details.items[i.index].parents.length === 1);
  const rr = [];
  for (let a = 0; a < realUnaug.length; a++) for (let b = a + 1; b < realUnaug.length; b++) if (realUnaug[a].identity !== realUnaug[b].identity) rr.push(dist(realUnaug[a].index, realUnaug[b].index));
  stats.morphs.medianRealVsReal = median(rr);
  fs.writeFileSync(path.join(dir, 'stats.json'), JSON.stringify(stats, null, 1));

  // contact sheets (for eyeballing only; never committed)
  const sheets = path.join(workDir, 'sheets');
  fs.mkdirSync(sheets, { recursive: true });
  const fd = fs.openSync(path.join(dir, 'images.u8'), 'r');
  const row = (i) => { const b = Buffer.alloc(S * S * 3); fs.readSync(fd, b, 0, b.length, i * S * S * 3); return new Uint8Array(b.buffer, b.byteOffset, b.length); };
  const sample = (arr, n) => { const c = [...arr]; rng.shuffle(c); return c.slice(0, n).sort((a, b) => a.index - b.index); };
  await writeContactSheet(path.join(sheets, 'train-real.png'), sample(m.items.filter((i) => i.split === 'train' && !i.identity.startsWith('morph/')), 80).map((i) => row(i.index)), S, 16);
  await writeContactSheet(path.join(sheets, 'train-morph.png'), sample(m.items.filter((i) => i.identity.startsWith('morph/')), 80).map((i) => row(i.index)), S, 16);
  await writeContactSheet(path.join(sheets, 'heldout.png'), held.map((i) => row(i.index)), S, 16);
  await writeContactSheet(path.join(sheets, 'heldout-aug.png'), sample(m.items.filter((i) => i.split === 'heldout-aug'), 80).map((i) => row(i.index)), S, 16);
  fs.closeSync(fd);

  const f = (x) => x.toFixed(4);
  for (const [sp, s] of Object.entries(stats.splits)) {
    log(`  ${sp.padEnd(11)} ${String(s.rows).padStart(6)} rows, ${s.identities} identities (${s.perIdentity.min}-${s.perIdentity.max} rows each), ${s.augmented} augmented` +
      (s.realIdentities !== undefined ? `; ${s.realIdentities} real + ${s.morphIdentities} morph identities` : ''));
    if (s.byIdentity) log(`              ${Object.entries(s.byIdentity).map(([k, v]) => `${k}:${v}`).join('  ')}`);
  }
  const th = stats.teacherHeldout;
  log(`  teacher ROC AUC on pairs.json (L2): ${f(th.auc)}  (${th.genuine} genuine, ${th.impostor} impostor; best accuracy ${f(th.accuracy)} at ${f(th.threshold)}; ` +
    `genuine max ${f(th.genuineMax)}, impostor min ${f(th.impostorMin)})`);
  log(`  teacher AUC heldout-aug vs heldout: ${f(stats.teacherHeldoutAug.auc)}; morph medians: to parent ${f(stats.morphs.medianToParent)}, ` +
    `sharing a parent ${f(stats.morphs.medianMorphSharingParent)}, disjoint ${f(stats.morphs.medianMorphDisjoint)}, real vs real ${f(stats.morphs.medianRealVsReal)}`);
  return stats;
}
