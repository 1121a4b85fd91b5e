// Hand-written SVG ROC plot (TAR against log-scale FAR) for tools/eval/face.mjs; no dependencies.

const W = 640, H = 480, L = 70, R = 20, T = 40, B = 60;
const COLORS = ['#222222', '#1f77b4', '#d62728', '#2ca02c'];

/**
 * @param {string} title
 * @param {Array<{label: string, points: Array<[number, number]>}>} curves FAR/TAR points
 * @param {number} minFar left end of the log axis
 */
export function rocSvg(title, curves, minFar = 1e-3) {
  const lo = Math.log10(minFar);
  const x = (far) => L + ((Math.log10(Math.max(far, minFar)) - lo) / -lo) * (W - L - R);
  const y = (tar) => T + (1 - tar) * (H - T - B);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`];
  for (let e = Math.ceil(lo); e <= 0; e++) {
    out.push(`<line x1="${x(10 ** e)}" y1="${T}" x2="${x(10 ** e)}" y2="${H - B}" stroke="#ddd"/>`,
      `<text x="${x(10 ** e)}" y="${H - B + 16}" text-anchor="middle">1e${e}</text>`);
  }
  for (let k = 0; k <= 10; k += 2) {
    out.push(`<line x1="${L}" y1="${y(k / 10)}" x2="${W - R}" y2="${y(k / 10)}" stroke="#ddd"/>`,
      `<text x="${L - 6}" y="${y(k / 10) + 4}" text-anchor="end">${(k / 10).toFixed(1)}</text>`);
  }
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#444"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 18}" text-anchor="middle">false accept rate (log scale)</text>`,
    `<text transform="translate(18 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">true accept rate</text>`);
  curves.forEach((c, i) => {
    // step curve: TAR is constant until the next FAR step
    let d = '';
    let prev = null;
    for (const [far, tar] of c.points) {
      if (prev === null) d += `M${x(far).toFixed(2)},${y(tar).toFixed(2)}`;
      else d += `L${x(far).toFixed(2)},${y(prev[1]).toFixed(2)}L${x(far).toFixed(2)},${y(tar).toFixed(2)}`;
      prev = [far, tar];
    }
    const col = COLORS[i % COLORS.length];
    out.push(`<path d="${d}" fill="none" stroke="${col}" stroke-width="1.8"/>`,
      `<line x1="${W - R - 330}" y1="${H - B - 18 * (curves.length - i) - 4}" x2="${W - R - 305}" y2="${H - B - 18 * (curves.length - i) - 4}" stroke="${col}" stroke-width="3"/>`,
      `<text x="${W - R - 298}" y="${H - B - 18 * (curves.length - i)}">${esc(c.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
