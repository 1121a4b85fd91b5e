// Verification metrics for tools/eval/face.mjs. Scores are DISTANCES (smaller = more similar); a pair is
// declared "same" iff distance < threshold (the CryptoFace protocol, reference §2.7).

/** ROC AUC = P(d_genuine < d_impostor) + ½·P(tie), by sorting (Mann–Whitney U). */
export function rocAuc(gen, imp) {
  const all = [...gen.map((d) => [d, 1]), ...imp.map((d) => [d, 0])].sort((a, b) => a[0] - b[0]);
  let rankSumImp = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1][0] === all[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k][1] === 0) rankSumImp += r;
    i = j + 1;
  }
  const ni = imp.length;
  return (rankSumImp - (ni * (ni + 1)) / 2) / (gen.length * ni);
}

/** Accuracy at a threshold: TAR (genuine accepted), TNR (impostors rejected), balanced and pooled accuracy. */
export function accuracyAt(gen, imp, t) {
  const tar = gen.filter((d) => d < t).length / gen.length;
  const tnr = imp.filter((d) => d >= t).length / imp.length;
  return { tar, tnr, balanced: (tar + tnr) / 2, pooled: (tar * gen.length + tnr * imp.length) / (gen.length + imp.length) };
}

/** TAR at the largest threshold whose FAR (impostors with d < t) does not exceed `far`. */
export function tarAtFar(gen, imp, far) {
  const s = [...imp].sort((a, b) => a - b);
  const k = Math.floor(far * s.length); // at most k impostors may be accepted
  const t = k < s.length ? s[k] : Infinity; // d < s[k] accepts exactly the k smallest (ties: fewer)
  return { tar: gen.filter((d) => d < t).length / gen.length, threshold: t };
}

/** ROC points (FAR, TAR) at every distinct threshold. */
export function rocCurve(gen, imp) {
  const all = [...gen.map((d) => [d, 1]), ...imp.map((d) => [d, 0])].sort((a, b) => a[0] - b[0]);
  const pts = [[0, 0]];
  let g = 0;
  let i = 0;
  for (let k = 0; k < all.length; k++) {
    if (all[k][1]) g++;
    else i++;
    if (k + 1 === all.length || all[k + 1][0] !== all[k][0]) pts.push([i / imp.length, g / gen.length]);
  }
  return pts;
}
