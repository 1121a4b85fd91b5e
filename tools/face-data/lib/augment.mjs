// Seeded randomness and the augmentation parameters / pixel operations.

/** Small seeded PRNG (mulberry32) with helpers; everything in the dataset derives from one seed. */
export class Rng {
  constructor(seed) { this.s = seed >>> 0; }
  next() {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(a, b) { return a + (b - a) * this.next(); }
  int(n) { return Math.floor(this.next() * n); }
  chance(p) { return this.next() < p; }
  pick(arr) { return arr[this.int(arr.length)]; }
  shuffle(arr) {
    for (let i = arr.length - 1; i > 0; i--) { const j = this.int(i + 1); [arr[i], arr[j]] = [arr[j], arr[i]]; }
    return arr;
  }
}

/** Augmentation ranges (documented in docs/face-data.md). */
export const AUG = {
  rotDeg: 10, // uniform ±10° about the crop centre
  scale: 0.08, // uniform ±8 %
  shiftPx: 4, // uniform ±4 px in x and y (112 frame)
  flipP: 0.5,
  brightness: 0.2, // multiplicative, ±20 %
  contrast: 0.2, // about mid-grey 128, ±20 %
  saturation: 0.25, // blend with luma, ±25 %
  channelGain: 0.06, // per-channel gain ±6 % (colour cast)
  blurP: 0.3, blurSigma: [0.4, 1.1], // Gaussian blur, sigma in 112-frame pixels
  jpegP: 0.5, jpegQuality: [25, 90], // real JPEG round trip (libvips), 4:2:0
};

const r4 = (x) => Math.round(x * 1e4) / 1e4;

/** Draw one set of augmentation parameters (all explicit so that rendering is a pure function). */
export function sampleAug(rng) {
  return {
    rot: r4(rng.uniform(-AUG.rotDeg, AUG.rotDeg)),
    scale: r4(1 + rng.uniform(-AUG.scale, AUG.scale)),
    dx: r4(rng.uniform(-AUG.shiftPx, AUG.shiftPx)),
    dy: r4(rng.uniform(-AUG.shiftPx, AUG.shiftPx)),
    flip: rng.chance(AUG.flipP),
    bright: r4(1 + rng.uniform(-AUG.brightness, AUG.brightness)),
    contrast: r4(1 + rng.uniform(-AUG.contrast, AUG.contrast)),
    sat: r4(1 + rng.uniform(-AUG.saturation, AUG.saturation)),
    gains: [0, 1, 2].map(() => r4(1 + rng.uniform(-AUG.channelGain, AUG.channelGain))),
    blur: rng.chance(AUG.blurP) ? r4(rng.uniform(...AUG.blurSigma)) : 0,
    jpeg: rng.chance(AUG.jpegP) ? Math.round(rng.uniform(...AUG.jpegQuality)) : 0,
  };
}

/** The identity augmentation (used for the unaugmented crops). */
export const NO_AUG = { rot: 0, scale: 1, dx: 0, dy: 0, flip: false, bright: 1, contrast: 1, sat: 1, gains: [1, 1, 1], blur: 0, jpeg: 0 };

export const isIdentityAug = (a) => a.rot === 0 && a.scale === 1 && a.dx === 0 && a.dy === 0 && !a.flip && a.bright === 1 &&
  a.contrast === 1 && a.sat === 1 && a.gains.every((g) => g === 1) && !a.blur && !a.jpeg;

/** Pointwise colour jitter on a float RGB buffer, in place: gains, saturation, contrast about 128, brightness. */
export function colourJitter(px, a) {
  for (let i = 0; i < px.length; i += 3) {
    let r = px[i] * a.gains[0], g = px[i + 1] * a.gains[1], b = px[i + 2] * a.gains[2];
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    r = y + (r - y) * a.sat; g = y + (g - y) * a.sat; b = y + (b - y) * a.sat;
    px[i] = ((r - 128) * a.contrast + 128) * a.bright;
    px[i + 1] = ((g - 128) * a.contrast + 128) * a.bright;
    px[i + 2] = ((b - 128) * a.contrast + 128) * a.bright;
  }
  return px;
}

/** Separable Gaussian blur of a float RGB image (clamped borders), returns a new buffer. */
export function gaussianBlur(px, w, h, sigma) {
  const rad = Math.max(1, Math.ceil(3 * sigma));
  const k = Array.from({ length: 2 * rad + 1 }, (_, i) => Math.exp(-((i - rad) ** 2) / (2 * sigma * sigma)));
  const ks = k.reduce((s, v) => s + v, 0);
  for (let i = 0; i < k.length; i++) k[i] /= ks;
  const tmp = new Float32Array(px.length), out = new Float32Array(px.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let i = -rad; i <= rad; i++) s += k[i + rad] * px[(y * w + Math.min(w - 1, Math.max(0, x + i))) * 3 + c];
    tmp[(y * w + x) * 3 + c] = s;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let i = -rad; i <= rad; i++) s += k[i + rad] * tmp[(Math.min(h - 1, Math.max(0, y + i)) * w + x) * 3 + c];
    out[(y * w + x) * 3 + c] = s;
  }
  return out;
}

export function toU8(px) {
  const out = new Uint8Array(px.length);
  for (let i = 0; i < px.length; i++) out[i] = px[i] <= 0 ? 0 : px[i] >= 255 ? 255 : Math.round(px[i]);
  return out;
}
