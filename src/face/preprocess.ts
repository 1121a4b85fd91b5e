/**
 * Input preprocessing and patching of CryptoFace (reference §3): an aligned 112×112 RGB uint8 face (HWC)
 * → CHW float64 in [−1, 1] via (x/255 − 0.5)/0.5 → resize to the variant's input size with the antialiased
 * bilinear filter of PyTorch (`F.interpolate(mode='bilinear', align_corners=False, antialias=True)`, the
 * PIL-style separable triangle filter whose support is stretched by the downscale factor) → L = g² patches
 * of 32×32 (patch i = row·g + col, each flattened channel-major: index 1024·ch + 32·y + x).
 *
 * Resize weights (per axis, scale = in/out): centre = scale·(i + 0.5), support = max(scale, 1),
 * taps j ∈ [trunc(centre − support + 0.5)⁺, min(trunc(centre + support + 0.5), in)), weight
 * tri((j − centre + 0.5)/max(scale, 1)) with tri(t) = max(0, 1 − |t|), normalised to sum 1 — the
 * formula of PyTorch's `_compute_weights_aa`; test/face/reference.test.ts checks it against torch's output
 * (≤ 1e-6 relative; the stored reference is float32, observed ~5e-8).
 */
import { tensor3, type Tensor3 } from '../nn/index.js';
import { PATCH_SIZE } from './architecture.js';

/** Side of the aligned face crops the model takes (InsightFace 112×112 template). */
export const FACE_SIZE = 112;

/** Per-output-index interpolation taps of a 1-D antialiased bilinear resize. */
export interface ResizeTaps {
  readonly start: Int32Array;
  readonly weights: Float64Array[];
}

/** Interpolation taps for resizing `inSize` samples to `outSize` (torch bilinear, antialias, half-pixel centres). */
export function resizeTaps(inSize: number, outSize: number): ResizeTaps {
  if (!Number.isInteger(inSize) || !Number.isInteger(outSize) || inSize < 1 || outSize < 1) throw new RangeError('resizeTaps: sizes must be positive integers');
  const scale = inSize / outSize;
  const support = scale >= 1 ? scale : 1;
  const invscale = scale >= 1 ? 1 / scale : 1;
  const start = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  for (let i = 0; i < outSize; i++) {
    const center = scale * (i + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xsize = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const w = new Float64Array(Math.max(xsize, 0));
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const t = Math.abs((j + xmin - center + 0.5) * invscale);
      const v = t < 1 ? 1 - t : 0;
      w[j] = v;
      total += v;
    }
    if (total !== 0) for (let j = 0; j < xsize; j++) w[j] = w[j]! / total;
    start[i] = xmin;
    weights.push(w);
  }
  return { start, weights };
}

/** Antialiased bilinear resize of every channel of a CHW tensor (width pass, then height pass). */
export function resizeBilinearAntialias(x: Tensor3, oh: number, ow: number): Tensor3 {
  const tx = resizeTaps(x.w, ow);
  const ty = resizeTaps(x.h, oh);
  const mid = new Float64Array(x.c * x.h * ow);
  for (let c = 0; c < x.c; c++) {
    for (let y = 0; y < x.h; y++) {
      const row = (c * x.h + y) * x.w;
      for (let i = 0; i < ow; i++) {
        const w = tx.weights[i]!;
        const s0 = row + tx.start[i]!;
        let s = 0;
        for (let j = 0; j < w.length; j++) s += w[j]! * x.data[s0 + j]!;
        mid[(c * x.h + y) * ow + i] = s;
      }
    }
  }
  const out = new Float64Array(x.c * oh * ow);
  for (let c = 0; c < x.c; c++) {
    for (let i = 0; i < oh; i++) {
      const w = ty.weights[i]!;
      const y0 = ty.start[i]!;
      const o = (c * oh + i) * ow;
      for (let j = 0; j < w.length; j++) {
        const wj = w[j]!;
        const src = (c * x.h + y0 + j) * ow;
        for (let col = 0; col < ow; col++) out[o + col]! += wj * mid[src + col]!;
      }
    }
  }
  return tensor3(x.c, oh, ow, out);
}

/** RGB uint8 HWC (size×size×3) → CHW float64 with (v/255 − 0.5)/0.5 ∈ [−1, 1]. */
export function normalizeRgb(rgb: Uint8Array, size = FACE_SIZE): Tensor3 {
  if (rgb.length !== size * size * 3) throw new RangeError(`normalizeRgb: expected ${size}x${size}x3 = ${size * size * 3} bytes, got ${rgb.length}`);
  const out = new Float64Array(rgb.length);
  const hw = size * size;
  for (let p = 0; p < hw; p++) {
    for (let c = 0; c < 3; c++) out[c * hw + p] = (rgb[3 * p + c]! / 255 - 0.5) / 0.5;
  }
  return tensor3(3, size, size, out);
}

/** Full preprocessing: aligned 112×112 RGB uint8 HWC face → 3×S×S model input (S = input size of the variant). */
export function preprocessFace(rgb: Uint8Array, inputSize: number): Tensor3 {
  const x = normalizeRgb(rgb, FACE_SIZE);
  return inputSize === FACE_SIZE ? x : resizeBilinearAntialias(x, inputSize, inputSize);
}

/** Cuts a 3×(32g)×(32g) input into g² patches of 3×32×32; patch i = row·g + col. */
export function toPatches(x: Tensor3, grid: number): Tensor3[] {
  if (x.h !== PATCH_SIZE * grid || x.w !== PATCH_SIZE * grid) throw new RangeError(`toPatches: input ${x.h}x${x.w} is not ${grid}x${grid} patches of ${PATCH_SIZE}`);
  const out: Tensor3[] = [];
  const P = PATCH_SIZE;
  for (let r = 0; r < grid; r++) {
    for (let col = 0; col < grid; col++) {
      const d = new Float64Array(x.c * P * P);
      for (let c = 0; c < x.c; c++) {
        for (let y = 0; y < P; y++) {
          const src = (c * x.h + r * P + y) * x.w + col * P;
          d.set(x.data.subarray(src, src + P), (c * P + y) * P);
        }
      }
      out.push(tensor3(x.c, P, P, d));
    }
  }
  return out;
}

/** The reference's flat input line: patches in patch order, each 3072 values channel-major (1024·ch + 32·y + x). */
export function flattenPatches(patches: readonly Tensor3[]): Float64Array {
  const n = patches.reduce((s, p) => s + p.data.length, 0);
  const out = new Float64Array(n);
  let off = 0;
  for (const p of patches) {
    out.set(p.data, off);
    off += p.data.length;
  }
  return out;
}
