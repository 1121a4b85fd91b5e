/**
 * Plaintext float64 forward pass of CryptoFaceNet (Ao & Boddeti, CVPR 2025; reference §2) over the folded
 * weights: per patch, stem conv → 5 HerPNConv blocks (monic HerPN, a2-folded convs, shortcut = a2 ⊙ monic
 * input, through 1×1/2 conv + BN in the down-sampling blocks) → HerPNPool (monic HerPN, 2×2 adaptive average
 * pool, × a2) → flatten (4·c + 2·row + col) → BatchNorm1d → A'_i f_i + b'/L; the embedding is the sum over
 * patches. This is the reference the encrypted pipeline is compared with.
 */
import {
  adaptiveAvgPool2d,
  add3,
  bnToAffine,
  channelAffine3,
  conv2d,
  herpnMonic,
  linear,
  vectorAffine,
  type Tensor3,
} from '../nn/index.js';
import { preprocessFace, toPatches } from './preprocess.js';
import type { BlockWeights, CfnetWeights, PatchWeights } from './weights.js';

/**
 * Receives intermediate activations (per patch index): stem, block0..block4 (block outputs), block0.conv1 ..
 * block4.conv1 (conv1 outputs = HerPN2 inputs), pool, bn, fc.
 */
export type LayerTrace = (patch: number, name: string, value: Tensor3 | Float64Array) => void;

function scaleChannels(x: Tensor3, s: Float64Array): Tensor3 {
  return channelAffine3(x, { scale: s, shift: new Float64Array(s.length) });
}

/**
 * One HerPNConv block: u = monic(x); r = conv2(monic2(conv1(u))); out = r + shortcut(a2 ⊙ u). `trace`
 * receives conv1's output (the HerPN2 input) as 'conv1'.
 */
export function blockForward(b: BlockWeights, x: Tensor3, trace?: (name: string, v: Tensor3) => void): Tensor3 {
  const um = herpnMonic(x, b.herpn1.a1, b.herpn1.a0);
  const v = conv2d(um, b.conv1, { stride: b.stride, padding: 1 });
  trace?.('conv1', v);
  const r = conv2d(herpnMonic(v, b.herpn2.a1, b.herpn2.a0), b.conv2, { stride: 1, padding: 1 });
  const u = scaleChannels(um, b.herpn1.a2);
  const sc = b.shortcut ? channelAffine3(conv2d(u, b.shortcut.conv, { stride: b.stride, padding: 0 }), bnToAffine(b.shortcut.bn)) : u;
  return add3(r, sc);
}

/** One patch network up to and including its fusion block: returns A'_i f_i + b'/L (256 values). */
export function patchForward(w: PatchWeights, fcBias: Float64Array, x: Tensor3, trace?: (name: string, v: Tensor3 | Float64Array) => void): Float64Array {
  let h = conv2d(x, w.stem, { stride: 1, padding: 1 });
  trace?.('stem', h);
  w.blocks.forEach((b, j) => {
    h = blockForward(b, h, trace ? (n, v) => trace(`block${j}.${n}`, v) : undefined);
    trace?.(`block${j}`, h);
  });
  const pooled = scaleChannels(adaptiveAvgPool2d(herpnMonic(h, w.pool.a1, w.pool.a0), 2, 2), w.pool.a2);
  trace?.('pool', pooled);
  const f = vectorAffine(pooled.data, bnToAffine(w.bn));
  trace?.('bn', f);
  const out = linear(w.fc, f, fcBias);
  trace?.('fc', out);
  return out;
}

/** Un-normalised 256-d embedding of a preprocessed input (3×S×S). */
export function embedInput(weights: CfnetWeights, x: Tensor3, trace?: LayerTrace): Float64Array {
  const patches = toPatches(x, weights.grid);
  const y = new Float64Array(weights.fcBias.length);
  patches.forEach((p, i) => {
    const part = patchForward(weights.patches[i]!, weights.fcBias, p, trace ? (n, v) => trace(i, n, v) : undefined);
    for (let k = 0; k < y.length; k++) y[k] = y[k]! + part[k]!;
  });
  return y;
}

/** Un-normalised 256-d embedding y of an aligned 112×112 RGB uint8 HWC face. */
export function embedFace(weights: CfnetWeights, rgb: Uint8Array, trace?: LayerTrace): Float64Array {
  return embedInput(weights, preprocessFace(rgb, weights.inputSize), trace);
}
