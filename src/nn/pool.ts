/**
 * Average pooling on CHW float64 tensors: fixed window/stride (`F.avg_pool2d`, no padding) and PyTorch's
 * adaptive average pooling (`F.adaptive_avg_pool2d`: output cell i covers input rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉−1).
 * CryptoFace's HerPNPool reduces 64×8×8 to 64×2×2 (= mean over 4×4 windows, reference §2.2 row 6).
 */
import type { Tensor3 } from './tensor.js';

/** Mean over `window`×`window` cells taken every `stride` (default = window) pixels, no padding. */
export function avgPool2d(x: Tensor3, window: number, stride = window): Tensor3 {
  if (!Number.isInteger(window) || window < 1 || !Number.isInteger(stride) || stride < 1) throw new RangeError('avgPool2d: bad window/stride');
  const oh = Math.floor((x.h - window) / stride) + 1;
  const ow = Math.floor((x.w - window) / stride) + 1;
  if (oh < 1 || ow < 1) throw new RangeError('avgPool2d: window larger than input');
  const out = new Float64Array(x.c * oh * ow);
  const inv = 1 / (window * window);
  for (let c = 0; c < x.c; c++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let s = 0;
        for (let dy = 0; dy < window; dy++) {
          const row = (c * x.h + i * stride + dy) * x.w + j * stride;
          for (let dx = 0; dx < window; dx++) s += x.data[row + dx]!;
        }
        out[(c * oh + i) * ow + j] = s * inv;
      }
    }
  }
  return { c: x.c, h: oh, w: ow, data: out };
}

/** PyTorch `adaptive_avg_pool2d(x, [oh, ow])`. */
export function adaptiveAvgPool2d(x: Tensor3, oh: number, ow: number = oh): Tensor3 {
  if (!Number.isInteger(oh) || oh < 1 || !Number.isInteger(ow) || ow < 1) throw new RangeError('adaptiveAvgPool2d: bad output size');
  const out = new Float64Array(x.c * oh * ow);
  for (let c = 0; c < x.c; c++) {
    for (let i = 0; i < oh; i++) {
      const y0 = Math.floor((i * x.h) / oh);
      const y1 = Math.ceil(((i + 1) * x.h) / oh);
      for (let j = 0; j < ow; j++) {
        const x0 = Math.floor((j * x.w) / ow);
        const x1 = Math.ceil(((j + 1) * x.w) / ow);
        let s = 0;
        for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) s += x.data[(c * x.h + y) * x.w + xx]!;
        out[(c * oh + i) * ow + j] = s / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  return { c: x.c, h: oh, w: ow, data: out };
}
