/**
 * 2-D convolution (cross-correlation, as in PyTorch `F.conv2d`) on CHW float64 tensors, with square kernels,
 * stride 1 or 2 (any positive stride works), symmetric zero padding and an optional per-output-channel bias.
 * Output size: ⌊(H + 2·pad − k) / stride⌋ + 1. Weight layout [out][in][ky][kx] row-major, PyTorch order.
 * This is the plaintext twin of the multiplexed convolution of the CryptoFace reference (§5.5).
 */
import type { Tensor3 } from './tensor.js';

/** Convolution weights: `data[((o·inC + i)·k + ky)·k + kx]`. */
export interface ConvWeight {
  readonly outC: number;
  readonly inC: number;
  readonly k: number;
  readonly data: Float64Array;
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Stride in both directions (default 1). */
  readonly stride?: number;
  /** Zero padding on every side (default ⌊k/2⌋, i.e. "same" for odd k at stride 1). */
  readonly padding?: number;
  /** Optional bias, one value per output channel. */
  readonly bias?: Float64Array;
}

/** Builds a {@link ConvWeight}, checking that `data` has outC·inC·k·k values. */
export function convWeight(outC: number, inC: number, k: number, data: Float64Array): ConvWeight {
  if (data.length !== outC * inC * k * k) throw new RangeError(`convWeight: expected ${outC * inC * k * k} values, got ${data.length}`);
  return { outC, inC, k, data };
}

/** Output spatial size of a convolution along one axis. */
export function convOutSize(size: number, k: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - k) / stride) + 1;
}

/** y[o, y, x] = bias[o] + Σ_{i,ky,kx} w[o,i,ky,kx] · x[i, y·s + ky − p, x·s + kx − p] (zero outside). */
export function conv2d(input: Tensor3, weight: ConvWeight, options: Conv2dOptions = {}): Tensor3 {
  const { k, outC, inC } = weight;
  const stride = options.stride ?? 1;
  const pad = options.padding ?? Math.floor(k / 2);
  if (input.c !== inC) throw new RangeError(`conv2d: input has ${input.c} channels, weight expects ${inC}`);
  if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(pad) || pad < 0) throw new RangeError('conv2d: bad stride/padding');
  if (options.bias !== undefined && options.bias.length !== outC) throw new RangeError('conv2d: bias length must equal outC');
  const H = input.h;
  const W = input.w;
  const oh = convOutSize(H, k, stride, pad);
  const ow = convOutSize(W, k, stride, pad);
  if (oh <= 0 || ow <= 0) throw new RangeError('conv2d: kernel larger than padded input');
  const out = new Float64Array(outC * oh * ow);
  const x = input.data;
  const w = weight.data;
  // For each kernel tap, the range of output rows/columns whose input coordinate is inside the image.
  const yLo = new Int32Array(k);
  const yHi = new Int32Array(k);
  const xLo = new Int32Array(k);
  const xHi = new Int32Array(k);
  for (let t = 0; t < k; t++) {
    yLo[t] = Math.max(0, Math.ceil((pad - t) / stride));
    yHi[t] = Math.min(oh, Math.floor((H - 1 + pad - t) / stride) + 1);
    xLo[t] = Math.max(0, Math.ceil((pad - t) / stride));
    xHi[t] = Math.min(ow, Math.floor((W - 1 + pad - t) / stride) + 1);
  }
  for (let o = 0; o < outC; o++) {
    const ob = o * oh * ow;
    const b = options.bias?.[o] ?? 0;
    if (b !== 0) out.fill(b, ob, ob + oh * ow);
    for (let i = 0; i < inC; i++) {
      const ib = i * H * W;
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          const wv = w[((o * inC + i) * k + ky) * k + kx]!;
          if (wv === 0) continue;
          const x0 = xLo[kx]!;
          const x1 = xHi[kx]!;
          for (let yo = yLo[ky]!; yo < yHi[ky]!; yo++) {
            const rowIn = ib + (yo * stride + ky - pad) * W + kx - pad;
            const rowOut = ob + yo * ow;
            for (let xo = x0; xo < x1; xo++) out[rowOut + xo]! += wv * x[rowIn + xo * stride]!;
          }
        }
      }
    }
  }
  return { c: outC, h: oh, w: ow, data: out };
}
