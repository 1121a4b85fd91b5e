/**
 * FOR TESTS ONLY: a reduced CryptoFaceNet (same structure as CFNet4 — stem, five HerPNConv blocks with two stride-2
 * down-sampling blocks and BN shortcuts, HerPNPool, per-patch BatchNorm1d, fusion — with fewer channels and smaller
 * patches) with deterministic random weights scaled so that activations stay O(1), like the trained network's. It
 * recognises nobody; it exists so that the encrypted pipeline can run end to end in seconds (insecureTestPreset.ts).
 */
import type { ConvWeight } from '../../nn/conv2d.js';
import type { BlockWeights, PatchWeights } from '../weights.js';
import type { NetworkWeights } from '../encrypted/encryptedCfnet.js';

/** A small deterministic generator of numbers in [−1, 1) (a 32-bit mixing step; not for anything secret). */
export function deterministicRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

export interface ReducedShape {
  readonly grid: number;
  /** Channels of the stem output and of the five blocks' outputs (the reference: 16, 16, 32, 32, 64, 64). */
  readonly channels: readonly [number, number, number, number, number, number];
}

/**
 * `gain` (default 1) multiplies the block convolutions' weights: at 1 the random network is strongly contractive
 * (two random inputs give fused features within ~1e-5 of each other), which is fine for checking layers against
 * their float64 twins; tests that need features that depend on the input (matching) use a larger gain.
 */
export function reducedNetwork(shape: ReducedShape, seed: number, gain = 1): NetworkWeights {
  const r = deterministicRandom(seed);
  const vec = (n: number, lo: number, hi: number) => Float64Array.from({ length: n }, () => lo + ((r() + 1) / 2) * (hi - lo));
  const conv = (o: number, i: number, k: number, gain: number): ConvWeight => ({ outC: o, inC: i, k, data: vec(o * i * k * k, -1, 1).map((v) => (v * gain) / Math.sqrt(i * k * k)) });
  const bn = (n: number) => ({ weight: vec(n, 0.5, 1.5), bias: vec(n, -0.3, 0.3), mean: vec(n, -0.2, 0.2), variance: vec(n, 0.5, 2), eps: 1e-5 });
  const [c0, ...cs] = shape.channels;
  const strides = [1, 2, 1, 2, 1];
  const patches: PatchWeights[] = Array.from({ length: shape.grid * shape.grid }, () => {
    let inC = c0;
    const blocks = cs.map((outC, j): BlockWeights => {
      const stride = strides[j]!;
      const b: BlockWeights = {
        inC, outC, stride,
        herpn1: { a2: vec(inC, 0.2, 0.6), a1: vec(inC, -1, 1), a0: vec(inC, -0.5, 0.5) },
        conv1: conv(outC, inC, 3, 0.8 * gain),
        herpn2: { a1: vec(outC, -1, 1), a0: vec(outC, -0.5, 0.5) },
        conv2: conv(outC, outC, 3, 0.8 * gain),
        ...(stride !== 1 || inC !== outC ? { shortcut: { conv: conv(outC, inC, 1, 0.8), bn: bn(outC) } } : {}),
      };
      inC = outC;
      return b;
    });
    const last = cs[cs.length - 1]!;
    const F = 4 * last;
    return {
      stem: conv(c0, 3, 3, 1),
      blocks,
      pool: { a2: vec(last, 0.2, 0.6), a1: vec(last, -1, 1), a0: vec(last, -0.5, 0.5) },
      bn: bn(F),
      fc: { rows: F, cols: F, data: vec(F * F, -1, 1).map((v) => v / Math.sqrt(F)) },
    };
  });
  const F = 4 * shape.channels[5];
  return { grid: shape.grid, patches, fcBias: vec(F, -0.1, 0.1) };
}
